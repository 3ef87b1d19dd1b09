import type { TokenViewer } from './viewer.ts';

/** SMART v2 interactions: create, read (read, vread, instance history), update, delete, search (search, type history). */
export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

/** One scope the gateway understands, parsed. */
export interface Grant {
  /** `patient/`, `user/` or `system/`. */
  readonly context: 'patient' | 'user' | 'system';
  /** A resource type, or `*` for all. */
  readonly resourceType: string;
  readonly interactions: ReadonlySet<Interaction>;
  /** SMART v2 granular scope parameters (`?category=...`): the grant covers only resources that match all of them. */
  readonly filters: readonly (readonly [string, string])[];
  /** The scope as the token wrote it. */
  readonly scope: string;
}

const SCOPE = /^(patient|user|system)\/([A-Z][A-Za-z]{0,63}|\*)\.(read|write|\*|c?r?u?d?s?)(?:\?(.+))?$/;
const V1: Readonly<Record<string, readonly Interaction[]>> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
export const VERB: Readonly<Record<Interaction, string>> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/**
 * The resource scopes of a token, SMART App Launch v1 (`.read`, `.write`, `.*`) and v2 (`.cruds` letters, in that
 * order, any subset; granular `?param=value&...`). Anything else (`openid`, `fhirUser`, `launch/patient`,
 * `offline_access`, a malformed scope) grants no resource access.
 */
export function parseScope(scope: string): Grant | undefined {
  const m = SCOPE.exec(scope);
  if (m === null || m[3] === '') return undefined;
  const [, context, resourceType, access, query] = m as unknown as [string, Grant['context'], string, string, string | undefined];
  const interactions = new Set<Interaction>(V1[access] ?? (access.split('') as Interaction[]));
  const filters: Array<readonly [string, string]> = [];
  if (query !== undefined) {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return undefined; // a granular scope we cannot read grants nothing
      try {
        filters.push([decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))]);
      } catch {
        return undefined;
      }
    }
  }
  return Object.freeze({ context, resourceType, interactions, filters: Object.freeze(filters), scope });
}

const grantsByViewer = new WeakMap<TokenViewer, readonly Grant[]>();

/** The token's grants, parsed once per viewer. */
export function grantsOf(viewer: TokenViewer): readonly Grant[] {
  let grants = grantsByViewer.get(viewer);
  if (grants === undefined) {
    grants = Object.freeze(viewer.scopes.flatMap((s) => parseScope(s) ?? []));
    grantsByViewer.set(viewer, grants);
  }
  return grants;
}

/** The grants that allow `interaction` on `resourceType` (several scopes for one type are OR-ed, never "first wins"). */
export function grantsFor(viewer: TokenViewer, resourceType: string, interaction: Interaction): readonly Grant[] {
  return grantsOf(viewer).filter((g) => (g.resourceType === '*' || g.resourceType === resourceType) && g.interactions.has(interaction));
}

