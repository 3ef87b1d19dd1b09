/**
 * What one source says it supports, read from its CapabilityStatement (rest[mode=server].resource[]):
 * resource types, and per type the search parameters it declares. Unknown stays null ("assume yes"),
 * so a server with a sparse CapabilityStatement is never cut off.
 */
export interface SourceCapabilities {
  /** null = the statement lists no (known) resource type. */
  readonly resourceTypes: ReadonlySet<string> | null;
  /** Per type, the declared search parameter names; a type without any declared parameter is absent. */
  readonly searchParams: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per type, what the gateway's own CapabilityStatement needs of it (the union over sources is served at /metadata). */
  readonly declared: ReadonlyMap<string, DeclaredResource>;
  /** Search parameters declared for every type at once (`rest[mode=server].searchParam`, e.g. `_filter`). */
  readonly allTypesSearchParams: ReadonlySet<string>;
}

/** A source's declaration for one resource type, as much of it as the gateway re-declares. */
export interface DeclaredResource {
  readonly interactions: readonly string[];
  readonly searchParams: readonly DeclaredSearchParam[];
  readonly searchInclude: readonly string[];
  readonly searchRevInclude: readonly string[];
}

export interface DeclaredSearchParam {
  readonly name: string;
  readonly type: string;
  readonly definition?: string;
}

interface RestResource {
  type?: unknown;
  interaction?: Array<{ code?: unknown }>;
  searchParam?: Array<{ name?: unknown; type?: unknown; definition?: unknown }>;
  searchInclude?: unknown;
  searchRevInclude?: unknown;
}

/** Parameters every server understands or that only shape the result: never held against a source. */
const ALWAYS_SUPPORTED = new Set(['_id', '_sort', '_count', '_offset', '_total', '_summary', '_elements', '_include', '_revinclude']);

export function parseCapabilities(capability: Record<string, unknown>, knownTypes: readonly string[]): SourceCapabilities {
  const known = new Set(knownTypes);
  const rest = Array.isArray(capability['rest']) ? (capability['rest'] as Array<{ mode?: unknown; resource?: unknown; searchParam?: unknown }>) : [];
  const server = rest.find((r) => r.mode === undefined || r.mode === 'server');
  const resources = Array.isArray(server?.resource) ? (server.resource as RestResource[]) : [];
  const types = new Set<string>();
  const searchParams = new Map<string, ReadonlySet<string>>();
  const declared = new Map<string, DeclaredResource>();
  for (const r of resources) {
    if (typeof r.type !== 'string' || !known.has(r.type)) continue;
    types.add(r.type);
    const params = (Array.isArray(r.searchParam) ? r.searchParam : []).flatMap((p) =>
      typeof p.name === 'string'
        ? [{ name: p.name, type: typeof p.type === 'string' ? p.type : 'string', ...(typeof p.definition === 'string' ? { definition: p.definition } : {}) }]
        : [],
    );
    if (params.length > 0) searchParams.set(r.type, new Set(params.map((p) => p.name)));
    declared.set(r.type, {
      interactions: (Array.isArray(r.interaction) ? r.interaction : []).map((i) => i.code).filter((c): c is string => typeof c === 'string'),
      searchParams: params,
      searchInclude: strings(r.searchInclude),
      searchRevInclude: strings(r.searchRevInclude),
    });
  }
  const restParams = Array.isArray(server?.searchParam) ? (server.searchParam as Array<{ name?: unknown }>) : [];
  const allTypesSearchParams = new Set(restParams.flatMap((p) => (typeof p.name === 'string' ? [p.name] : [])));
  return { resourceTypes: types.size > 0 ? types : null, searchParams, declared, allTypesSearchParams };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The parameters of a search (name, possibly with a `:modifier` or `.chain`) that a source declared it does not
 * support for the type. Empty when it supports them all, or when it declared nothing for the type.
 */
export function unsupportedParams(capabilities: SourceCapabilities | null, resourceType: string, names: Iterable<string>): string[] {
  const declared = capabilities?.searchParams.get(resourceType);
  if (!declared) return [];
  const out: string[] = [];
  for (const name of names) {
    const base = name.split(/[:.]/, 1)[0]!;
    if (!ALWAYS_SUPPORTED.has(base) && !declared.has(base) && !capabilities!.allTypesSearchParams.has(base)) out.push(base);
  }
  return out;
}
