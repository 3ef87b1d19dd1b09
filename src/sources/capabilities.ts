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
}

interface RestResource {
  type?: unknown;
  searchParam?: Array<{ name?: unknown }>;
}

/** Parameters every server understands or that only shape the result: never held against a source. */
const ALWAYS_SUPPORTED = new Set(['_id', '_sort', '_count', '_offset', '_total', '_summary', '_elements', '_include', '_revinclude']);

export function parseCapabilities(capability: Record<string, unknown>, knownTypes: readonly string[]): SourceCapabilities {
  const known = new Set(knownTypes);
  const rest = Array.isArray(capability['rest']) ? (capability['rest'] as Array<{ mode?: unknown; resource?: unknown }>) : [];
  const server = rest.find((r) => r.mode === undefined || r.mode === 'server');
  const resources = Array.isArray(server?.resource) ? (server.resource as RestResource[]) : [];
  const types = new Set<string>();
  const searchParams = new Map<string, ReadonlySet<string>>();
  for (const r of resources) {
    if (typeof r.type !== 'string' || !known.has(r.type)) continue;
    types.add(r.type);
    const names = (Array.isArray(r.searchParam) ? r.searchParam : []).map((p) => p.name).filter((n): n is string => typeof n === 'string');
    if (names.length > 0) searchParams.set(r.type, new Set(names));
  }
  return { resourceTypes: types.size > 0 ? types : null, searchParams };
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
    if (!ALWAYS_SUPPORTED.has(base) && !declared.has(base)) out.push(base);
  }
  return out;
}
