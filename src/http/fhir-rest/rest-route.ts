import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../../errors/gateway-error.ts';
import { shown } from '../../errors/shown.ts';
import type { FhirContext } from '../../fhir/fhir-context.ts';
import { isFhirId } from '../../sources/reference.ts';
import { requestIdOf, urlOf } from '../request-meta.ts';
import { logUnexpectedPartials } from '../use-error-masking.ts';
import type { Answering, FetchApi, FhirRestDeps, RestCall } from './rest-call.ts';
import { SECURITY_HEADERS } from '../use-security-headers.ts';
import { restFailure, type RestErrorLog } from './rest-errors.ts';
import { metadata } from './rest-metadata.ts';
import { history, read } from './rest-read.ts';
import { checkFormat } from './rest-request.ts';
import { search } from './rest-search.ts';
import { batch, conditional, create, patch, remove, update } from './rest-write.ts';

type Handler = (call: RestCall) => Promise<Response> | Response;

/**
 * The FHIR REST API under `[base]` (and `[base]/{sourceId}` for one source), as a route of the one pipeline: metadata,
 * read, vread, history, search (GET and POST _search), create, update, patch, delete, conditional writes, batch and
 * transaction. Handlers are thin adapters over the FHIR core (src/fhir/), the same code GraphQL resolvers call; every
 * answer is a Response (Bundles streamed), every failure an OperationOutcome (rest-errors.ts). Source ids are
 * lower-case slugs and resource types PascalCase, so `[base]/{x}/...` is a source exactly when x is a configured
 * source id. Registered after the `$graphql` route, which hands its requests to the GraphQL endpoint.
 */
export function useFhirRest(deps: FhirRestDeps, log: RestErrorLog): Plugin {
  const base = deps.basePath.split('/').filter((s) => s !== '');
  return {
    async onRequest({ request, fetchAPI, endResponse }) {
      // The request's own URL, not the hook's `url`: the $graphql route may have replaced the request.
      const url = urlOf(request);
      const segments = decodeSegments(url.pathname);
      if (segments !== null && (segments.length < base.length || !base.every((s, i) => segments[i] === s))) return;
      if (segments === null && !url.pathname.startsWith(deps.basePath)) return;
      endResponse(await answer(deps, log, request, url, segments, answering(fetchAPI as unknown as FetchApi, requestIdOf(request))));
    },
  };
}

async function answer(
  deps: FhirRestDeps, log: RestErrorLog, request: Request, url: URL, segments: readonly string[] | null, fetchAPI: Answering,
): Promise<Response> {
  const base = deps.basePath.split('/').filter((s) => s !== '');
  let ctx: FhirContext | undefined;
  const fhirBase = deps.publicRoot(request, url) + deps.basePath;
  try {
    if (segments === null) throw new GatewayError('BAD_REQUEST', 'The path is not valid percent-encoding');
    let rest = segments.slice(base.length);
    if (rest.at(-1) === '') rest = rest.slice(0, -1); // a trailing slash
    let sourceId: string | undefined;
    if (rest.length > 0 && rest[0] !== 'metadata' && deps.isSource(rest[0]!)) {
      sourceId = rest[0];
      rest = rest.slice(1);
    }
    const handler = dispatch(deps, request.method, rest);
    checkFormat(request, url);
    ctx = deps.context(request);
    const call: RestCall = { request, url, ctx, deps, fetchAPI, sourceId, base: fhirBase };
    const response = await handler(call);
    logUnexpectedPartials(ctx.partialFailures, ctx.requestId, log);
    return response;
  } catch (error) {
    if (request.signal.aborted && !(error instanceof GatewayError)) return new fetchAPI.Response(null, { status: 499 });
    return restFailure(fetchAPI, error, ctx, requestIdOf(request), log, fhirBase);
  }
}

function dispatch(deps: FhirRestDeps, method: string, path: readonly string[]): Handler {
  const [type, second, third, fourth] = path;
  if (path.length === 0) return method === 'POST' ? batch : refuse('METHOD_NOT_ALLOWED', `${method} is not supported on the base URL (POST a batch or transaction Bundle)`, 'POST');
  if (type === 'metadata' && path.length === 1) return method === 'GET' ? metadata : refuse('METHOD_NOT_ALLOWED', 'metadata is read with GET', 'GET');
  if (type!.startsWith('$') || second?.startsWith('$') || third?.startsWith('$')) {
    return refuse('NOT_IMPLEMENTED', `Operation '${shown(path.find((p) => p.startsWith('$'))!)}' is not supported by this gateway (only $graphql)`);
  }
  if (!deps.isResourceType(type!)) return refuse('NOT_FOUND', `'${shown(type!)}' is neither a FHIR R4 resource type nor a configured source`);
  const resourceType = type!;
  if (path.length === 1) {
    switch (method) {
      case 'GET':
        return (call) => search(call, resourceType, false);
      case 'POST':
        return (call) => create(call, resourceType);
      case 'PUT':
      case 'PATCH':
      case 'DELETE':
        return (call) => conditional(call, method, resourceType);
      default:
        return refuse('METHOD_NOT_ALLOWED', `${method} is not supported on ${resourceType}`, 'GET, POST, PUT, PATCH, DELETE');
    }
  }
  if (second === '_search' && path.length === 2) {
    return method === 'POST' ? (call) => search(call, resourceType, true) : refuse('METHOD_NOT_ALLOWED', '_search takes POST (or GET the type itself)', 'POST');
  }
  if (second === '_history' && path.length === 2) {
    return method === 'GET' ? (call) => history(call, resourceType, undefined) : refuse('METHOD_NOT_ALLOWED', 'history is read with GET', 'GET');
  }
  const id = second!;
  if (!isFhirId(id)) return refuse('BAD_USER_INPUT', `'${shown(id)}' is not a valid FHIR id`);
  if (path.length === 2) {
    switch (method) {
      case 'GET':
        return (call) => read(call, resourceType, id);
      case 'PUT':
        return (call) => update(call, resourceType, id);
      case 'PATCH':
        return (call) => patch(call, resourceType, id);
      case 'DELETE':
        return (call) => remove(call, resourceType, id);
      default:
        return refuse('METHOD_NOT_ALLOWED', `${method} is not supported on ${resourceType}/${id}`, 'GET, PUT, PATCH, DELETE');
    }
  }
  if (third === '_history' && path.length <= 4) {
    if (method !== 'GET') return refuse('METHOD_NOT_ALLOWED', 'history is read with GET', 'GET');
    if (path.length === 3) return (call) => history(call, resourceType, id);
    if (!isFhirId(fourth!)) return refuse('BAD_USER_INPUT', `'${shown(fourth!)}' is not a valid FHIR version id`);
    return (call) => read(call, resourceType, id, fourth);
  }
  if (path.length === 3 && deps.isResourceType(third!)) {
    return refuse('NOT_IMPLEMENTED', `Compartment searches are not supported; search ${third}?patient=${resourceType}/${id} (or the parameter that links them) instead`);
  }
  return refuse('NOT_FOUND', `No FHIR interaction is defined at ${deps.basePath}/${path.map((p) => shown(p)).join('/')}`);
}

/** Answers built with the security headers and the request id in place (see Answering). */
export function answering(fetchAPI: FetchApi, requestId: string): Answering {
  return { Response: fetchAPI.Response, ReadableStream: fetchAPI.ReadableStream, headers: { ...SECURITY_HEADERS, 'x-request-id': requestId } };
}

function refuse(code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'NOT_IMPLEMENTED', message: string, allow?: string): Handler {
  return () => {
    throw new GatewayError(code, message, allow ? { headers: { allow } } : {});
  };
}

/** `/fhir/Patient/p1/%24graphql` -> `['fhir', 'Patient', 'p1', '$graphql']`; null when a segment is not valid percent-encoding. */
export function decodeSegments(pathname: string): string[] | null {
  const segments = pathname.split('/').slice(1);
  if (!pathname.includes('%')) return segments;
  try {
    return segments.map(decodeURIComponent);
  } catch {
    return null;
  }
}
