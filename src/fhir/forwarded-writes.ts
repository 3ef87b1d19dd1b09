import { GatewayError } from '../errors/gateway-error.ts';
import { planBatch } from './batch-access.ts';
import { batchChanges } from './batch-changes.ts';
import { changeOfWrite, recordChanges } from './record-change.ts';
import { accessTo } from './restriction.ts';
import { narrowCriteria, requireExisting, requirePatchable, requireWritable } from './write-access.ts';
import { shown } from '../errors/shown.ts';
import { resourceKey } from '../loaders/create-loaders.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { Source } from '../sources/source-registry.ts';
import type { UpstreamResponse } from '../upstream/upstream-client.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import type { FhirContext } from './fhir-context.ts';
import { findOne, headerOf, validatorsOf } from './read.ts';
import { checkSearchBounds } from './search-bounds.ts';
import { batchTarget, createTarget, defaultWriteSourceAmong, sourceRequired, sourcesFor } from './source-choice.ts';

/**
 * Writes as a FHIR REST client makes them, passed to exactly one source as they came (the client's `If-Match`,
 * `If-None-Exist` and `Prefer` included): create, update, patch, delete, their conditional forms, and batch/transaction
 * Bundles. Never retried (the upstream layer retries nothing but GETs), never split across sources.
 */
export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ForwardedWrite {
  readonly method: WriteMethod;
  readonly resourceType: string;
  /** An instance write (`PUT [base]/Patient/1`); absent for a create or a conditional write. */
  readonly id?: string;
  /** A conditional write's criteria: the query string without `?` (`identifier=...`). */
  readonly criteria?: string;
  /** The body as the client sent it (JSON text), and its parsed form when it is a resource. */
  readonly body?: string;
  readonly resource?: Readonly<Record<string, unknown>>;
  readonly contentType?: string;
  /** Request headers passed on (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** The source named by the client (`[base]/{sourceId}/...`). */
  readonly sourceId?: string;
}

/** The source's answer: status, body, validators, and its Location headers (upstream URLs, for the edge to rewrite). */
export interface WriteAnswer {
  readonly source: Source;
  readonly status: number;
  readonly body: unknown;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  readonly location: string | undefined;
  readonly contentLocation: string | undefined;
}

export async function forwardWrite(ctx: FhirContext, write: ForwardedWrite): Promise<WriteAnswer> {
  checkBody(write);
  const interaction = write.method === 'POST' ? 'c' : write.method === 'DELETE' ? 'd' : 'u';
  const restriction = await accessTo(ctx, write.resourceType, interaction);
  if (write.criteria !== undefined) checkSearchBounds(ctx, [...new URLSearchParams(write.criteria)]);
  const source = await targetOf(ctx, write);
  const headers: Record<string, string> = { ...write.headers, ...(write.contentType !== undefined ? { 'content-type': write.contentType } : {}) };
  let criteria = write.criteria;
  if (!restriction.all) {
    // decided before anything is sent (write-access.ts)
    if (write.id !== undefined) await requireExisting(ctx, restriction, source.id, write.resourceType, write.id, interaction);
    if (criteria !== undefined) criteria = narrowCriteria(restriction, source.id, criteria, write.resourceType);
    if (headers['if-none-exist'] !== undefined) headers['if-none-exist'] = narrowCriteria(restriction, source.id, headers['if-none-exist'], write.resourceType);
    if (write.method === 'POST' || write.method === 'PUT') {
      if (write.resource === undefined) throw new GatewayError('BAD_USER_INPUT', `The body must be a FHIR JSON ${write.resourceType}`);
      requireWritable(ctx, restriction, write.resource, source.id, interaction);
    }
    if (write.method === 'PATCH') requirePatchable(ctx, restriction, write.resourceType, parsedPatch(write.body));
  }
  const path = write.id !== undefined
    ? `${write.resourceType}/${encodeURIComponent(write.id)}`
    : criteria !== undefined ? `${write.resourceType}?${criteria}` : write.resourceType;
  const response = await source.client.exchange(
    { method: write.method, path, ...(write.body !== undefined ? { body: write.body } : {}), headers },
    ctx.call,
  );
  const answer = answerOf(source, response);
  const body = answer.body as FhirResource | undefined;
  const written = body?.resourceType === write.resourceType ? body : write.resource !== undefined ? (write.resource as FhirResource) : { resourceType: write.resourceType, ...(write.id !== undefined ? { id: write.id } : {}) };
  if (response.status < 400) {
    ctx.trail.record(write.method === 'POST' ? 'C' : write.method === 'DELETE' ? 'D' : 'U', [written], source.id);
    const change = await changeOfWrite(ctx, { sourceId: source.id, method: write.method, status: response.status, resourceType: write.resourceType, id: write.id, body, location: answer.location });
    await recordChanges(ctx, undefined, change === undefined ? [] : [change]);
  }
  return answer;
}

/** A batch or transaction Bundle, whole to one source (source-choice.ts batchTarget). */
export async function forwardBatch(
  ctx: FhirContext,
  bundle: { readonly text: string; readonly resource: Readonly<Record<string, unknown>> },
  headers: Readonly<Record<string, string>>,
  sourceId: string | undefined,
): Promise<{ readonly source: Source; readonly status: number; readonly bundle: Record<string, unknown> }> {
  const type = bundle.resource['type'];
  if (type !== 'batch' && type !== 'transaction') {
    throw new GatewayError('BAD_USER_INPUT', `A Bundle posted to [base] must be of type batch or transaction (got ${typeof type === 'string' ? shown(type, 32) : 'none'})`);
  }
  const entries = Array.isArray(bundle.resource['entry']) ? (bundle.resource['entry'] as Array<{ request?: { url?: unknown; method?: unknown } } | null>) : [];
  const types = new Set(entries.map((e) => (typeof e?.request?.url === 'string' ? /^\/?([A-Z][A-Za-z]+)/.exec(e.request.url)?.[1] : undefined)));
  const source = batchTarget(ctx, sourceId, types);
  const plan = await planBatch(ctx, bundle, source.id);
  const response = await source.client.exchange({ method: 'POST', path: '', body: plan.text, headers }, ctx.call);
  const answered = response.body as Record<string, unknown> | undefined;
  if (answered?.['resourceType'] !== 'Bundle') {
    throw new UpstreamError(`Source '${source.id}' answered a ${type} without a Bundle`, { code: 'UPSTREAM_BAD_RESPONSE', sourceId: source.id, upstreamStatus: response.status });
  }
  const body = plan.check(answered);
  const results = Array.isArray(body['entry']) ? (body['entry'] as Array<{ resource?: FhirResource }>) : [];
  ctx.trail.record('E', results.map((e) => (e !== null && typeof e === 'object' ? e.resource : undefined)), source.id);
  if (response.status < 400 && Array.isArray(answered['entry'])) {
    const sent = Array.isArray(bundle.resource['entry']) ? (bundle.resource['entry'] as unknown[]) : [];
    await recordChanges(ctx, undefined, await batchChanges(ctx, source.id, sent, answered['entry'] as unknown[]));
  }
  return { source, status: response.status, bundle: body };
}

/** A PATCH body as JSON (a JSON Patch array or a FHIRPath Patch Parameters); undefined when it is not JSON. */
function parsedPatch(body: string | undefined): unknown {
  try {
    return body === undefined ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

function checkBody(write: ForwardedWrite): void {
  const resource = write.resource;
  if (resource === undefined) return;
  if (resource['resourceType'] !== write.resourceType) {
    throw new GatewayError('BAD_USER_INPUT', `The body is a ${shown(String(resource['resourceType']))}, but the URL names ${write.resourceType}`);
  }
  if (write.method === 'PUT' && write.id !== undefined && resource['id'] !== write.id) {
    const given = typeof resource['id'] === 'string' ? shown(resource['id']) : 'none';
    throw new GatewayError('BAD_USER_INPUT', `The body's id (${given}) must equal the id in the URL (${write.id})`);
  }
}

/**
 * Where a write goes: a create or conditional write to createTarget (named, only, or default source); an instance
 * write to the source that has the resource (asked in parallel when several serve the type) — an update of an id no
 * source has (update-as-create) to the one named, or to the defaultWriteSource.
 */
async function targetOf(ctx: FhirContext, write: ForwardedWrite): Promise<Source> {
  const { resourceType, id } = write;
  if (id === undefined) {
    const what = write.criteria !== undefined ? `conditional ${write.method === 'PUT' ? 'update' : write.method.toLowerCase()}` : 'create';
    return createTarget(ctx, resourceType, write.sourceId, what);
  }
  const sources = sourcesFor(ctx, resourceType, write.sourceId);
  if (sources.length === 1) return sources[0]!;
  try {
    return (await findOne(ctx, undefined, resourceType, id, sources, (s) => ctx.loaders.resource.load(resourceKey(s.id, resourceType, id)))).source;
  } catch (error) {
    if (write.method !== 'PUT' || !(error instanceof GatewayError) || error.code !== 'NOT_FOUND') throw error;
    const fallback = defaultWriteSourceAmong(ctx, sources);
    if (fallback !== undefined) return fallback;
    throw sourceRequired(ctx, sources, resourceType, `${resourceType}/${id} is in none of them; to create it with this id, choose one`, `${resourceType}/${id}`, true);
  }
}

function answerOf(source: Source, response: UpstreamResponse): WriteAnswer {
  const body = response.body as FhirResource | undefined;
  const validators = validatorsOf(response, body?.resourceType !== 'OperationOutcome' ? body : undefined);
  return {
    source,
    status: response.status,
    body: response.body,
    ...validators,
    location: headerOf(response, 'location'),
    contentLocation: headerOf(response, 'content-location'),
  };
}
