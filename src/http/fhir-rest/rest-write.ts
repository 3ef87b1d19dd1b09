import { userError } from '../../graphql/resolvers/errors.ts';
import { defaultWriteSourceAmong, defaultWriteSourceNote } from '../../graphql/resolvers/pick-source.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import type { Source } from '../../sources/source-registry.ts';
import type { UpstreamResponse } from '../../upstream/upstream-client.ts';
import { UpstreamError } from '../../upstream/upstream-error.ts';
import { rewriteUpstreamUrl, type RestCall } from './rest-call.ts';
import { candidateSources, findInSources, header, resourceHeaders } from './rest-read.ts';
import { rewriteBundle } from './rest-bundle.ts';
import { RestError } from './rest-errors.ts';
import { readBody, readResource } from './rest-request.ts';
import { sendFhir } from './rest-response.ts';

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Request headers a write passes on to the source as the client sent them. */
const PASSED: Record<Method, readonly string[]> = {
  POST: ['if-none-exist', 'prefer'],
  PUT: ['if-match', 'if-none-exist', 'prefer'],
  PATCH: ['if-match', 'prefer'],
  DELETE: ['if-match', 'prefer'],
};
const PATCH_TYPES = new Set(['application/json-patch+json', 'application/fhir+json', 'application/json']);

/** `POST [base]/Type`: to the source in the path, the only source serving the type, or the defaultWriteSource. */
export async function create(call: RestCall, resourceType: string): Promise<void> {
  const { text } = await readResource(call.req, resourceType);
  const source = onlySource(call, resourceType, 'create');
  await forward(call, source, 'POST', resourceType, text);
}

/**
 * `PUT [base]/Type/id`: to the source that has the resource (asked in parallel when several serve the type; found
 * in none, an update-as-create goes to the source named in the path, or to the defaultWriteSource).
 */
export async function update(call: RestCall, resourceType: string, id: string): Promise<void> {
  const { text, resource } = await readResource(call.req, resourceType);
  if (resource['id'] !== id) {
    throw new RestError(400, 'invalid', `The body's id (${typeof resource['id'] === 'string' ? resource['id'].slice(0, 64) : 'none'}) must equal the id in the URL (${id})`);
  }
  const source = await owner(call, resourceType, id, 'update');
  await forward(call, source, 'PUT', `${resourceType}/${encodeURIComponent(id)}`, text);
}

/** `PATCH [base]/Type/id` with a JSON Patch or a FHIRPath Patch (Parameters), to the source that has the resource. */
export async function patch(call: RestCall, resourceType: string, id: string): Promise<void> {
  const { text, contentType } = await readBody(call.req, PATCH_TYPES);
  try {
    JSON.parse(text);
  } catch {
    throw new RestError(400, 'structure', 'The patch is not valid JSON');
  }
  const source = await owner(call, resourceType, id, 'patch');
  await forward(call, source, 'PATCH', `${resourceType}/${encodeURIComponent(id)}`, text, contentType);
}

/** `DELETE [base]/Type/id`, to the source that has the resource. */
export async function remove(call: RestCall, resourceType: string, id: string): Promise<void> {
  call.req.resume();
  const source = await owner(call, resourceType, id, 'delete');
  await forward(call, source, 'DELETE', `${resourceType}/${encodeURIComponent(id)}`);
}

/**
 * Conditional update / patch / delete (`PUT [base]/Type?criteria`): the criteria are one source's to evaluate — the one
 * in the path, the only one, or the defaultWriteSource.
 */
export async function conditional(call: RestCall, method: 'PUT' | 'PATCH' | 'DELETE', resourceType: string): Promise<void> {
  if (call.url.search.length <= 1) {
    call.req.resume();
    throw new RestError(405, 'not-supported', `${method} ${resourceType} needs an id or search criteria`, { allow: 'GET, POST' });
  }
  const source = onlySource(call, resourceType, 'conditional ' + method.toLowerCase());
  const path = resourceType + call.url.search;
  if (method === 'DELETE') {
    call.req.resume();
    return forward(call, source, method, path);
  }
  if (method === 'PUT') return forward(call, source, method, path, (await readResource(call.req, resourceType)).text);
  const { text, contentType } = await readBody(call.req, PATCH_TYPES);
  return forward(call, source, method, path, text, contentType);
}

/**
 * `POST [base]` with a batch or transaction Bundle: sent whole to one source — the one in the path, the only one,
 * the defaultWriteSource if it serves every type the entries name, or the only one that does — never split across
 * sources.
 */
export async function batch(call: RestCall): Promise<void> {
  const { text, resource } = await readResource(call.req, 'Bundle');
  const type = resource['type'];
  if (type !== 'batch' && type !== 'transaction') {
    throw new RestError(400, 'invalid', `POST ${call.deps.basePath} takes a Bundle of type batch or transaction (got ${typeof type === 'string' ? type.slice(0, 32) : 'none'})`);
  }
  const source = batchSource(call, resource);
  const response = await source.client.exchange({ method: 'POST', path: '', body: text, headers: passed(call, 'POST') }, call.call);
  const body = response.body as Record<string, unknown> | undefined;
  if (body?.['resourceType'] !== 'Bundle') {
    throw new UpstreamError(`Source '${source.id}' answered a ${type} without a Bundle`, { code: 'UPSTREAM_BAD_RESPONSE', sourceId: source.id, upstreamStatus: response.status });
  }
  sendFhir(call.res, response.status, rewriteBundle(call, source, body, ''));
}

function batchSource(call: RestCall, bundle: Record<string, unknown>): Source {
  if (call.sourceId !== undefined) return call.ctx.sources.get(call.sourceId)!;
  const all = call.ctx.sources.all();
  if (all.length === 1) return all[0]!;
  const entries = Array.isArray(bundle['entry']) ? (bundle['entry'] as Array<{ request?: { url?: unknown } }>) : [];
  const types = new Set(entries.map((e) => (typeof e.request?.url === 'string' ? /^\/?([A-Z][A-Za-z]+)/.exec(e.request.url)?.[1] : undefined)));
  const serving = all.filter((s) => [...types].every((t) => t !== undefined && (s.resourceTypes === null || s.resourceTypes.has(t))));
  const fallback = defaultWriteSourceAmong(call.ctx, serving);
  if (fallback !== undefined) return fallback;
  if (serving.length === 1 && types.size > 0) return serving[0]!;
  throw userError(
    'SOURCE_REQUIRED',
    `A batch or transaction goes to one source, and ${serving.length === 0 ? 'no source serves every type it names' : `${serving.length} sources (${serving.map((s) => s.id).join(', ')}) could take it`}` +
      `${defaultWriteSourceNote(call.ctx, 'every type it names')}; post it to ${call.base}/{sourceId}`,
    'not-supported',
  );
}

/**
 * The one source for a create or a conditional write: the one in the path, the only one serving the type, or the
 * defaultWriteSource when it serves the type.
 */
function onlySource(call: RestCall, resourceType: string, what: string): Source {
  const sources = candidateSources(call, resourceType);
  if (sources.length === 1) return sources[0]!;
  const fallback = defaultWriteSourceAmong(call.ctx, sources);
  if (fallback !== undefined) return fallback;
  throw userError(
    'SOURCE_REQUIRED',
    `${sources.length} sources serve ${resourceType} (${sources.map((s) => s.id).join(', ')})${defaultWriteSourceNote(call.ctx, resourceType)}; ` +
      `a ${what} goes to one of them: use ${call.base}/{sourceId}/${resourceType}`,
    'not-supported',
  );
}

/**
 * The source that holds Type/id (one candidate: that one, without asking). An update of an id no source has (an
 * update-as-create) goes to the defaultWriteSource when it serves the type; never a write of an existing resource.
 */
async function owner(call: RestCall, resourceType: string, id: string, what: string): Promise<Source> {
  const sources = candidateSources(call, resourceType);
  if (sources.length === 1) return sources[0]!;
  try {
    return (await findInSources(call, resourceType, id, `${resourceType}/${encodeURIComponent(id)}`)).source;
  } catch (error) {
    if (what === 'update' && error instanceof Error && (error as { extensions?: { code?: unknown } }).extensions?.code === 'NOT_FOUND') {
      const fallback = defaultWriteSourceAmong(call.ctx, sources);
      if (fallback !== undefined) return fallback;
      throw userError(
        'SOURCE_REQUIRED',
        `${resourceType}/${id} is in none of the ${sources.length} sources serving ${resourceType}${defaultWriteSourceNote(call.ctx, resourceType)}; ` +
          `to create it with this id, use ${call.base}/{sourceId}/${resourceType}/${id}`,
        'not-supported',
      );
    }
    throw error;
  }
}

function passed(call: RestCall, method: Method): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED[method]) {
    const value = call.req.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * Sends the write to the source exactly once (the upstream layer never retries anything but a GET) and answers with
 * the source's status, body, validators and a Location pointing at the gateway.
 */
async function forward(call: RestCall, source: Source, method: Method, path: string, body?: string, contentType?: string): Promise<void> {
  const headers = passed(call, method);
  if (contentType !== undefined) headers['content-type'] = contentType;
  const response = await source.client.exchange({ method, path, ...(body !== undefined ? { body } : {}), headers }, call.call);
  sendFhir(call.res, response.status, response.body, answerHeaders(call, source, response));
}

function answerHeaders(call: RestCall, source: Source, response: UpstreamResponse): Record<string, string> {
  const resource = response.body as FhirResource | undefined;
  const out = resourceHeaders(response, resource?.resourceType !== 'OperationOutcome' ? resource : undefined);
  for (const name of ['location', 'content-location'] as const) {
    const value = header(response, name);
    const url = value === undefined ? undefined : rewriteUpstreamUrl(call, source, value);
    if (url !== undefined) out[name] = url;
  }
  return out;
}
