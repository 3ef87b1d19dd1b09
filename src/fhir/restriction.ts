import { GatewayError } from '../errors/gateway-error.ts';
import { notFound } from '../loaders/resource-loader.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { referencesAt } from '../sources/reference.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import { grantsFor, grantsOf, VERB, type Grant, type Interaction } from './access.ts';
import { patientIdOf } from './compartment.ts';
import type { FhirContext } from './fhir-context.ts';
import { patientCompartmentOf, type PatientCompartment } from './patient-context.ts';
import { searchMatcher, type SearchMatcher } from './search-match.ts';

/**
 * What a viewer may see of one resource type for one interaction: THE access decision of the gateway, made here in
 * the core for every transport (GraphQL, `$graphql`, REST; later subscriptions) and every path (reads, searches,
 * includes, references at any depth, reverse references, sameAs, history, writes, batches).
 *
 * - Without auth (the anonymous viewer), or with a grant that covers the whole type (`user/` or `system/` without
 *   parameters; `patient/` for a type outside the Patient compartment, such as Practitioner): everything (`all`).
 * - Otherwise each grant covers some resources — a `patient/` grant those in the token's patient compartment (across
 *   sources, patient-context.ts), a granular grant those matching its search parameters — and a resource is visible
 *   when some grant covers it (grants are OR-ed). Searches are narrowed at the source (`atSource`) and every resource
 *   is checked on the way back (`visible`).
 * - No grant at all: FORBIDDEN (403; on GraphQL an error on that field while the other fields are answered).
 */
export interface Restriction {
  readonly all: boolean;
  /** May this resource, read from this source, be seen? */
  visible(resource: FhirResource, sourceId: string | undefined): boolean;
  /**
   * The search parameters that narrow a search of the type in this source to what may be visible (`[]` for none), and
   * whether they express the restriction exactly (then the source's totals count only visible resources); null when
   * nothing of the type in that source can be visible (the source need not be asked).
   */
  atSource(sourceId: string): { readonly query: SearchQuery; readonly exact: boolean } | null;
  /** The restriction's identity, bound into paging cursors: '' for all. */
  readonly key: string;
  /** The element paths whose values decide visibility (a PATCH may not change them). */
  readonly paths: readonly string[];
}

export const ALL: Restriction = Object.freeze({
  all: true,
  visible: () => true,
  atSource: () => ({ query: [], exact: true }),
  key: '',
  paths: [],
});

/**
 * The restriction for `interaction` on `resourceType`, or FORBIDDEN (recorded as a denial in the audit trail) when no
 * scope grants it. Patient-context grants need the token's patient compartment, resolved once per token.
 */
export async function accessTo(ctx: FhirContext, resourceType: string, interaction: Interaction): Promise<Restriction> {
  const restriction = await accessIfGranted(ctx, resourceType, interaction);
  if (restriction !== undefined) return restriction;
  ctx.trail.deny(resourceType, VERB[interaction]);
  throw new GatewayError(
    'FORBIDDEN',
    `The access token grants no ${VERB[interaction]} ${resourceType}: a scope such as user/${resourceType}.${interaction === 'c' || interaction === 'u' || interaction === 'd' ? interaction : 'rs'} is needed`,
    { details: { resourceType, interaction: VERB[interaction] } },
  );
}

const memo = new WeakMap<FhirContext, Map<string, Promise<Restriction | undefined>>>();

/** accessTo without the refusal: undefined when no scope grants the interaction (an `_include`d type, say). */
export function accessIfGranted(ctx: FhirContext, resourceType: string, interaction: Interaction): Promise<Restriction | undefined> {
  const viewer = ctx.viewer;
  if (viewer.kind === 'anonymous') return Promise.resolve(ALL);
  let mine = memo.get(ctx);
  if (mine === undefined) memo.set(ctx, (mine = new Map()));
  const key = resourceType + '.' + interaction;
  let restriction = mine.get(key);
  if (restriction === undefined) {
    restriction = restrictionOf(ctx, grantsFor(viewer, resourceType, interaction), resourceType);
    mine.set(key, restriction);
  }
  return restriction;
}

/** A grant's condition on a resource: in the patient compartment, and matching the granular scope's parameters. */
interface Condition {
  readonly compartment: boolean;
  readonly filters: SearchQuery;
  readonly matchers: readonly SearchMatcher[];
}

async function restrictionOf(ctx: FhirContext, grants: readonly Grant[], resourceType: string): Promise<Restriction | undefined> {
  if (grants.length === 0) return undefined;
  if (grants.some((g) => g.context !== 'patient' && g.filters.length === 0)) return ALL;
  const inCompartment = resourceType === 'Patient' || ctx.compartment.paths(resourceType) !== undefined;
  // Any patient-context grant needs a resolvable patient: a token whose patient claim names no Patient sees nothing
  // through its patient/ scopes, not even types outside the compartment.
  const compartment = grants.some((g) => g.context === 'patient') ? await patientCompartmentOf(ctx) : undefined;
  const conditions: Condition[] = [];
  for (const g of grants) {
    const compartmentBound = g.context === 'patient' && inCompartment;
    if (!compartmentBound && g.filters.length === 0) return ALL;
    const matchers = g.filters.map(([name, value]) => searchMatcher(resourceType, name, value, ctx.searchParams));
    if (matchers.some((m) => m === undefined)) continue; // a granular scope the gateway cannot evaluate grants nothing
    conditions.push({ compartment: compartmentBound, filters: g.filters, matchers: matchers as SearchMatcher[] });
  }
  if (conditions.length === 0) {
    throw new GatewayError(
      'FORBIDDEN',
      `The access token's scopes for ${resourceType} (${grants.map((g) => g.scope).join(', ')}) have search parameters the gateway cannot evaluate, so they grant nothing`,
      { details: { resourceType } },
    );
  }
  return restricted(ctx, resourceType, conditions, compartment);
}

function restricted(ctx: FhirContext, resourceType: string, conditions: readonly Condition[], compartment: PatientCompartment | undefined): Restriction {
  const patientPaths = ctx.compartment.paths(resourceType) ?? [];
  const isPatient = resourceType === 'Patient';
  const inCompartment = (resource: FhirResource, sourceId: string): boolean => {
    const ids = compartment?.patients.get(sourceId);
    if (ids === undefined) return false;
    if (isPatient) return resource.id !== undefined && ids.has(resource.id);
    for (const reference of referencesAt(resource, patientPaths)) {
      const id = patientIdOf(reference);
      if (id === undefined || !ids.has(id)) continue;
      // An absolute reference counts only when it is this source's own URL (another server's Patient/1 is another patient).
      if (!reference.includes('://') || ctx.sources.matchUrl(reference)?.source.id === sourceId) return true;
    }
    return false;
  };
  const everyCompartment = conditions.every((c) => c.compartment);
  const filterQuery = sourceFilters(conditions);
  const paths = new Set<string>(conditions.some((c) => c.compartment) ? (isPatient ? ['id'] : patientPaths) : []);
  for (const c of conditions) for (const [name] of c.filters) for (const p of ctx.searchParams(resourceType, name.split(':')[0]!)?.paths ?? []) paths.add(p);
  let key: string | undefined;
  return Object.freeze({
    all: false,
    visible(resource: FhirResource, sourceId: string | undefined) {
      if (resource.resourceType !== resourceType || sourceId === undefined) return false;
      return conditions.some((c) => (!c.compartment || inCompartment(resource, sourceId)) && c.matchers.every((m) => m(resource)));
    },
    atSource(sourceId: string) {
      const query: Array<readonly [string, string]> = [];
      let exact = filterQuery.exact;
      if (everyCompartment) {
        const ids = compartment?.patients.get(sourceId);
        if (ids === undefined || ids.size === 0) return null;
        const param = ctx.compartment.searchParam(resourceType)!;
        query.push([param, isPatient ? [...ids].join(',') : [...ids].map((id) => `Patient/${id}`).join(',')]);
      } else if (conditions.some((c) => c.compartment)) exact = false;
      query.push(...filterQuery.query);
      return { query, exact };
    },
    get key() {
      key ??= JSON.stringify([
        conditions.map((c) => [c.compartment, c.filters]),
        compartment === undefined ? [] : [...compartment.patients].map(([s, ids]) => [s, [...ids].sort()]).sort(),
      ]);
      return key;
    },
    paths: Object.freeze([...paths]),
  });
}

/**
 * The granular scopes' parameters as one search: the same parameters in every grant → those; one parameter each,
 * the same one → its values OR-ed (`category=a,b`); anything else cannot be said in one search (checked on return).
 */
function sourceFilters(conditions: readonly Condition[]): { query: SearchQuery; exact: boolean } {
  const sets = conditions.map((c) => c.filters);
  if (sets.every((f) => f.length === 0)) return { query: [], exact: true };
  const first = JSON.stringify(sets[0]);
  if (sets.every((f) => JSON.stringify(f) === first)) return { query: sets[0]!, exact: true };
  const name = sets[0]![0]?.[0];
  if (name !== undefined && sets.every((f) => f.length === 1 && f[0]![0] === name)) {
    return { query: [[name, sets.map((f) => f[0]![1]).join(',')]], exact: true };
  }
  return { query: [], exact: false };
}

/** Does the viewer hold any grant that covers only part of a type (patient-context or granular)? */
export function hasRestrictedGrants(ctx: FhirContext): boolean {
  return ctx.viewer.kind === 'token' && grantsOf(ctx.viewer).some((g) => g.context === 'patient' || g.filters.length > 0);
}

/**
 * Search parameters that would let a search reveal what the viewer may not see, refused before anything is asked:
 * `_has:T:...` needs a grant covering every T (else the result would tell which hidden T exist); with patient-context
 * or granular scopes, chained parameters (`subject.name`), `_has` and `_filter` are refused outright: they filter by
 * resources the gateway never gets to check.
 */
export async function checkRevealingFilters(ctx: FhirContext, filters: SearchQuery): Promise<void> {
  if (ctx.viewer.kind === 'anonymous') return;
  const restricted = hasRestrictedGrants(ctx);
  for (const [name] of filters) {
    const code = name.split(':')[0]!;
    const has = name.startsWith('_has:');
    if (restricted && (has || code === '_filter' || name.includes('.'))) {
      throw new GatewayError(
        'FORBIDDEN',
        `The search parameter '${name.slice(0, 64)}' filters by resources the gateway cannot check against the access token's patient-context or granular scopes; it is not available with them`,
        { details: { parameter: name.slice(0, 64) } },
      );
    }
    if (has) {
      const target = name.split(':')[1] ?? '';
      const restriction = await accessTo(ctx, target, 's');
      if (!restriction.all) throw new GatewayError('FORBIDDEN', `'_has:${target}' needs access to every ${target}`, { details: { parameter: name.slice(0, 64) } });
    }
  }
}

/**
 * The not-found error a hidden resource gets: the same words as a resource that does not exist (resource-loader.ts),
 * so that nothing tells the two apart.
 */
export function hiddenNotFound(sourceId: string, resourceType: string, id: string | undefined): GatewayError {
  return notFound(sourceId, resourceType, String(id));
}

/** Keeps the resources the restriction lets the viewer see (and says whether any were left out). */
export function keepVisible(restriction: Restriction, resources: readonly FhirResource[], sourceOf: (r: FhirResource) => string | undefined): { kept: readonly FhirResource[]; hidden: number } {
  if (restriction.all) return { kept: resources, hidden: 0 };
  const kept = resources.filter((r) => restriction.visible(r, sourceOf(r)));
  return { kept, hidden: resources.length - kept.length };
}

/**
 * A resource read by id, as the viewer gets it: itself when visible, else the not-found error of a resource that does
 * not exist (the refusal is recorded in the audit trail, never told to the client).
 */
export function visibleOrNotFound(ctx: FhirContext, restriction: Restriction, resource: FhirResource, sourceId: string, interaction: Interaction = 'r'): FhirResource {
  if (restriction.visible(resource, sourceId)) return resource;
  ctx.trail.deny(resource.resourceType, VERB[interaction]);
  throw hiddenNotFound(sourceId, resource.resourceType, resource.id);
}
