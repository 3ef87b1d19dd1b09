import { GatewayError } from '../errors/gateway-error.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { Interaction } from './access.ts';
import type { FhirContext } from './fhir-context.ts';
import { accessTo, checkRevealingFilters, hasRestrictedGrants, type Restriction } from './restriction.ts';
import { narrowCriteria, requireExisting, requirePatchable, requireWritable } from './write-access.ts';

interface BatchEntry {
  request?: { url?: unknown; method?: unknown; ifNoneExist?: unknown };
  resource?: Record<string, unknown>;
}

/** What to check in the answer to one entry: a read shows one resource, a search or history a Bundle of them. */
interface AnswerCheck {
  readonly index: number;
  readonly restriction: Restriction;
  readonly kind: 'resource' | 'bundle' | 'instance-history';
  readonly exact: boolean;
}

/** A batch or transaction as a restricted viewer may send it, and how to check what comes back. */
export interface BatchPlan {
  /** The Bundle to send: the client's own text when nothing changed. */
  readonly text: string;
  check(answered: Record<string, unknown>): Record<string, unknown>;
}

const ENTRY_URL = /^\/?([A-Z][A-Za-z]+)(?:\/([^/?]+))?(?:\/(_history|_search)(?:\/([^/?]+))?)?(?:\?(.*))?$/;

/**
 * Each entry of a batch or transaction gets the decision its own request would get (restriction.ts), before anything
 * is sent: its grant (GET of an instance read, GET of a type search or history, POST create, PUT/PATCH update, DELETE
 * delete); for a restricted viewer, what it writes must land inside its access, what it replaces or deletes must be
 * visible to it, its searches and conditions are narrowed like any search, and the answers to its reads and searches
 * are checked on the way back (a hidden read becomes a 404 entry, hidden search matches are left out). An entry whose
 * URL names no resource type (a system search, an operation) needs no grant without restrictions, and is refused with
 * them: the gateway could not check its answer.
 */
export async function planBatch(
  ctx: FhirContext,
  bundle: { readonly text: string; readonly resource: Readonly<Record<string, unknown>> },
  sourceId: string,
): Promise<BatchPlan> {
  const entries = Array.isArray(bundle.resource['entry']) ? (bundle.resource['entry'] as Array<BatchEntry | null>) : [];
  const restricted = hasRestrictedGrants(ctx);
  const checks: AnswerCheck[] = [];
  let changed = false;
  const sent = [];
  for (const [index, raw] of entries.entries()) {
    const entry = raw !== null && typeof raw === 'object' ? raw : {};
    const url = typeof entry.request?.url === 'string' ? entry.request.url : undefined;
    const m = url === undefined ? null : ENTRY_URL.exec(url);
    if (m === null) {
      if (restricted && url !== undefined) throw refused(url);
      sent.push(raw);
      continue;
    }
    const [, resourceType, second, third, version, query] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined, string | undefined];
    // `Patient/_history`, `Patient/_search`: type level; `Patient/1/_history[/2]`: an instance's
    const typeLevel = second?.startsWith('_') === true;
    const id = typeLevel ? undefined : second;
    const sub = typeLevel ? second : third;
    const given = typeof entry.request?.method === 'string' ? entry.request.method.toUpperCase() : 'GET';
    const method = sub === '_search' ? 'GET' : given; // POST Type/_search is a search
    const interaction: Interaction = method === 'POST' ? 'c' : method === 'DELETE' ? 'd' : method === 'PUT' || method === 'PATCH' ? 'u'
      : id === undefined ? 's' : 'r';
    const restriction = await accessTo(ctx, resourceType, interaction);
    if (restriction.all) {
      sent.push(raw);
      continue;
    }
    const request = { ...entry.request } as Record<string, unknown>;
    const next: BatchEntry = { ...entry, request };
    if (method === 'GET') {
      if (id !== undefined && sub === undefined) checks.push({ index, restriction, kind: 'resource', exact: true });
      else if (id !== undefined) checks.push({ index, restriction, kind: version === undefined ? 'instance-history' : 'resource', exact: false });
      else if (sub === '_history') checks.push({ index, restriction, kind: 'bundle', exact: false }); // history takes no search parameters
      else {
        await checkRevealingFilters(ctx, [...new URLSearchParams(query ?? '')]);
        const narrowed = narrowCriteria(restriction, sourceId, query ?? '', resourceType);
        request['url'] = `${resourceType}?${narrowed}`;
        request['method'] = 'GET';
        checks.push({ index, restriction, kind: 'bundle', exact: restriction.atSource(sourceId)!.exact });
      }
    } else {
      if (id !== undefined && sub === undefined && method !== 'POST') await requireExisting(ctx, restriction, sourceId, resourceType, id, interaction);
      if (id === undefined && query !== undefined && method !== 'POST') request['url'] = `${resourceType}?${narrowCriteria(restriction, sourceId, query, resourceType)}`;
      if (method === 'POST' || method === 'PUT') {
        if (entry.resource === undefined) throw refused(url!);
        requireWritable(ctx, restriction, entry.resource, sourceId, interaction);
      }
      if (method === 'PATCH') requirePatchable(ctx, restriction, resourceType, patchOf(entry.resource));
      if (method === 'POST' && typeof request['ifNoneExist'] === 'string') request['ifNoneExist'] = narrowCriteria(restriction, sourceId, request['ifNoneExist'], resourceType);
    }
    changed = true;
    sent.push(next);
  }
  return {
    text: changed ? JSON.stringify({ ...bundle.resource, entry: sent }) : bundle.text,
    check: (answered) => (checks.length === 0 ? answered : checkAnswers(ctx, answered, checks, sourceId)),
  };
}

function checkAnswers(ctx: FhirContext, answered: Record<string, unknown>, checks: readonly AnswerCheck[], sourceId: string): Record<string, unknown> {
  if (!Array.isArray(answered['entry'])) return answered;
  const entries = [...(answered['entry'] as Array<Record<string, unknown> | null>)];
  for (const { index, restriction, kind, exact } of checks) {
    const entry = entries[index];
    const resource = entry?.['resource'] as FhirResource | undefined;
    if (entry === null || entry === undefined || resource === undefined || typeof resource !== 'object') continue;
    if (kind === 'resource') {
      if (!restriction.visible(resource, sourceId)) entries[index] = hidden(ctx, resource.resourceType);
      continue;
    }
    const inner = Array.isArray(resource['entry']) ? (resource['entry'] as Array<{ resource?: FhirResource } | null>) : [];
    const kept = inner.filter((e) => e !== null && typeof e === 'object' && e.resource !== undefined && restriction.visible(e.resource, sourceId));
    if (kind === 'instance-history' && kept.length === 0) {
      entries[index] = hidden(ctx, typeof resource.resourceType === 'string' ? resource.resourceType : 'Bundle');
      continue;
    }
    const { total, entry: _entry, ...rest } = resource as Record<string, unknown>;
    const keepTotal = exact && kept.length === inner.length && total !== undefined;
    entries[index] = { ...entry, resource: { ...rest, ...(keepTotal ? { total } : {}), ...(kept.length > 0 ? { entry: kept } : {}) } };
  }
  return { ...answered, entry: entries };
}

function hidden(ctx: FhirContext, resourceType: string): Record<string, unknown> {
  ctx.trail.deny(resourceType, 'read');
  return { response: { status: '404 Not Found' } };
}

/** A PATCH entry's patch: a Binary holding a JSON Patch, or a FHIRPath Patch Parameters. */
function patchOf(resource: Record<string, unknown> | undefined): unknown {
  if (resource?.['resourceType'] === 'Binary' && typeof resource['data'] === 'string') {
    try {
      return JSON.parse(Buffer.from(resource['data'], 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
  }
  return resource;
}

function refused(url: string): GatewayError {
  return new GatewayError(
    'FORBIDDEN',
    `The batch entry '${url.slice(0, 64)}' cannot be checked against the access token's patient-context or granular scopes; send it on its own`,
    { details: { entry: url.slice(0, 64) } },
  );
}
