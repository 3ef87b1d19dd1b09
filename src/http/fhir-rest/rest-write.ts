import { GatewayError } from '../../errors/gateway-error.ts';
import { forwardBatch, forwardWrite, type ForwardedWrite, type WriteAnswer, type WriteMethod } from '../../fhir/forwarded-writes.ts';
import { rewriteUpstreamUrl, type RestCall } from './rest-call.ts';
import { rewriteBundle } from './rest-bundle.ts';
import { parseJson, readBody, readResource } from './rest-request.ts';
import { fhirResponse } from './rest-response.ts';

/** Request headers a write passes on to the source as the client sent them. */
const PASSED: Record<WriteMethod, readonly string[]> = {
  POST: ['if-none-exist', 'prefer'],
  PUT: ['if-match', 'if-none-exist', 'prefer'],
  PATCH: ['if-match', 'prefer'],
  DELETE: ['if-match', 'prefer'],
};
const PATCH_TYPES: ReadonlySet<string> = new Set(['application/json-patch+json', 'application/fhir+json', 'application/json']);

/** `POST [base]/Type`: to the source in the path, the only source serving the type, or the defaultWriteSource. */
export async function create(call: RestCall, resourceType: string): Promise<Response> {
  const { text, resource } = await readResource(call);
  return send(call, { method: 'POST', resourceType, body: text, resource });
}

/** `PUT [base]/Type/id`: to the source that has the resource (or, an update-as-create, the one named or the default). */
export async function update(call: RestCall, resourceType: string, id: string): Promise<Response> {
  const { text, resource } = await readResource(call);
  return send(call, { method: 'PUT', resourceType, id, body: text, resource });
}

/** `PATCH [base]/Type/id` with a JSON Patch or a FHIRPath Patch (Parameters), to the source that has the resource. */
export async function patch(call: RestCall, resourceType: string, id: string): Promise<Response> {
  const { text, contentType } = await readBody(call, PATCH_TYPES);
  parseJson(call, text, 'The patch');
  return send(call, { method: 'PATCH', resourceType, id, body: text, contentType });
}

/** `DELETE [base]/Type/id`, to the source that has the resource. */
export function remove(call: RestCall, resourceType: string, id: string): Promise<Response> {
  return send(call, { method: 'DELETE', resourceType, id });
}

/** Conditional update / patch / delete (`PUT [base]/Type?criteria`): to the one source whose criteria they are. */
export async function conditional(call: RestCall, method: 'PUT' | 'PATCH' | 'DELETE', resourceType: string): Promise<Response> {
  const criteria = call.url.search.slice(1);
  if (criteria === '') {
    throw new GatewayError('METHOD_NOT_ALLOWED', `${method} ${resourceType} needs an id or search criteria`, { headers: { allow: 'GET, POST' } });
  }
  if (method === 'DELETE') return send(call, { method, resourceType, criteria });
  if (method === 'PUT') {
    const { text, resource } = await readResource(call);
    return send(call, { method, resourceType, criteria, body: text, resource });
  }
  const { text, contentType } = await readBody(call, PATCH_TYPES);
  parseJson(call, text, 'The patch');
  return send(call, { method, resourceType, criteria, body: text, contentType });
}

/** `POST [base]` with a batch or transaction Bundle, whole to one source. */
export async function batch(call: RestCall): Promise<Response> {
  const bundle = await readResource(call);
  if (bundle.resource['resourceType'] !== 'Bundle') {
    throw new GatewayError('BAD_USER_INPUT', `POST ${call.deps.basePath} takes a Bundle of type batch or transaction (got a ${String(bundle.resource['resourceType']).slice(0, 32)})`);
  }
  const answer = await forwardBatch(call.ctx, bundle, passed(call, 'POST'), call.sourceId);
  return fhirResponse(call.fetchAPI, answer.status, rewriteBundle(call, { source: answer.source, bundle: answer.bundle, own: '' }));
}

function passed(call: RestCall, method: WriteMethod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED[method]) {
    const value = call.request.headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

async function send(call: RestCall, write: Omit<ForwardedWrite, 'headers' | 'sourceId'>): Promise<Response> {
  const answer = await forwardWrite(call.ctx, {
    ...write,
    headers: passed(call, write.method),
    ...(call.sourceId !== undefined ? { sourceId: call.sourceId } : {}),
  });
  return fhirResponse(call.fetchAPI, answer.status, answer.body, answerHeaders(call, answer));
}

/** The source's validators, and its Location / Content-Location pointing at the gateway. */
function answerHeaders(call: RestCall, answer: WriteAnswer): Record<string, string> {
  const out: Record<string, string> = {};
  if (answer.etag !== undefined) out['etag'] = answer.etag;
  if (answer.lastModified !== undefined) out['last-modified'] = answer.lastModified;
  for (const [name, value] of [['location', answer.location], ['content-location', answer.contentLocation]] as const) {
    const url = value === undefined ? undefined : rewriteUpstreamUrl(call, answer.source, value);
    if (url !== undefined) out[name] = url;
  }
  return out;
}
