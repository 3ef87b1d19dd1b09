import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFhirId } from '../../sources/reference.ts';
import { createRequestContext } from '../request-context.ts';
import { requestIdFrom } from '../use-request-id.ts';
import type { Route } from '../router.ts';
import { type FhirRestDeps, type RestCall } from './rest-call.ts';
import { outcome, restFailure, RestError } from './rest-errors.ts';
import { metadata } from './rest-metadata.ts';
import { history, readResource } from './rest-read.ts';
import { checkFormat, publicBase, shown } from './rest-request.ts';
import { sendFhir } from './rest-response.ts';
import { search } from './rest-search.ts';
import { batch, conditional, create, patch, remove, update } from './rest-write.ts';

type Handler = (call: RestCall) => Promise<void> | void;

/**
 * The FHIR REST shim under `[base]` (and `[base]/{sourceId}` for one source): metadata, read, vread, history, search
 * (GET and POST _search), create, update, patch, delete, conditional writes, batch and transaction. It answers from
 * the same sources, loaders, search and error mapping as GraphQL; every failure is an OperationOutcome. Source ids
 * are lower-case slugs and resource types PascalCase, so `[base]/{x}/...` is a source exactly when x is a configured
 * source id. Routed after the `$graphql` endpoints.
 */
export function fhirRestRoute(deps: FhirRestDeps): Route {
  const base = deps.basePath.split('/').filter((s) => s !== '');
  return ({ method, segments, url }) => {
    if (!segments || segments.length < base.length || !base.every((s, i) => segments[i] === s)) return undefined;
    let rest = segments.slice(base.length);
    if (rest.at(-1) === '') rest = rest.slice(0, -1); // a trailing slash
    let sourceId: string | undefined;
    if (rest.length > 0 && rest[0] !== 'metadata' && deps.context.sources.get(rest[0]!) !== undefined) {
      sourceId = rest[0];
      rest = rest.slice(1);
    }
    const handler = dispatch(deps, method, rest);
    return (req, res) => void run(deps, req, res, url, sourceId, handler);
  };
}

function dispatch(deps: FhirRestDeps, method: string, path: readonly string[]): Handler {
  const [type, second, third, fourth] = path;
  if (path.length === 0) return method === 'POST' ? batch : refuse(405, `${method} is not supported on the base URL (POST a batch or transaction Bundle)`, 'POST');
  if (type === 'metadata' && path.length === 1) return method === 'GET' ? metadata : refuse(405, 'metadata is read with GET', 'GET');
  if (type!.startsWith('$') || second?.startsWith('$') || third?.startsWith('$')) {
    return refuse(501, `Operation '${shown(path.find((p) => p.startsWith('$'))!)}' is not supported by this gateway (only $graphql)`);
  }
  if (!deps.isResourceType(type!)) return refuse(404, `'${shown(type!)}' is neither a FHIR R4 resource type nor a configured source`, undefined, 'not-found');
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
        return refuse(405, `${method} is not supported on ${resourceType}`, 'GET, POST, PUT, PATCH, DELETE');
    }
  }
  if (second === '_search' && path.length === 2) {
    return method === 'POST' ? (call) => search(call, resourceType, true) : refuse(405, '_search takes POST (or GET the type itself)', 'POST');
  }
  if (second === '_history' && path.length === 2) {
    return method === 'GET' ? (call) => history(call, resourceType, undefined) : refuse(405, 'history is read with GET', 'GET');
  }
  const id = second!;
  if (!isFhirId(id)) return refuse(400, `'${shown(id)}' is not a valid FHIR id`);
  if (path.length === 2) {
    switch (method) {
      case 'GET':
        return (call) => readResource(call, resourceType, id);
      case 'PUT':
        return (call) => update(call, resourceType, id);
      case 'PATCH':
        return (call) => patch(call, resourceType, id);
      case 'DELETE':
        return (call) => remove(call, resourceType, id);
      default:
        return refuse(405, `${method} is not supported on ${resourceType}/${id}`, 'GET, PUT, PATCH, DELETE');
    }
  }
  if (third === '_history' && path.length <= 4) {
    if (method !== 'GET') return refuse(405, 'history is read with GET', 'GET');
    if (path.length === 3) return (call) => history(call, resourceType, id);
    if (!isFhirId(fourth!)) return refuse(400, `'${shown(fourth!)}' is not a valid FHIR version id`);
    return (call) => readResource(call, resourceType, id, fourth);
  }
  if (path.length === 3 && deps.isResourceType(third!)) {
    return refuse(501, `Compartment searches are not supported; search ${third}?patient=${resourceType}/${id} (or the parameter that links them) instead`);
  }
  return refuse(404, `No FHIR interaction is defined at ${deps.basePath}/${path.map(shown).join('/')}`, undefined, 'not-found');
}

function refuse(status: number, message: string, allow?: string, code = status === 405 || status === 501 ? 'not-supported' : 'invalid'): Handler {
  return () => {
    throw new RestError(status, code, message, allow ? { allow } : {});
  };
}

async function run(
  deps: FhirRestDeps, req: IncomingMessage, res: ServerResponse, url: URL, sourceId: string | undefined, handler: Handler,
): Promise<void> {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  res.setHeader('x-request-id', requestId);
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort(new Error('The client closed the connection'));
  });
  const ctx = createRequestContext(deps.context, requestId, aborted.signal);
  const call: RestCall = {
    req, res, url, ctx, deps, sourceId,
    base: publicBase(req, deps.basePath),
    call: { deadline: Date.now() + deps.context.config.limits.requestTimeoutMs, signal: aborted.signal },
  };
  try {
    checkFormat(req, url);
    await handler(call);
  } catch (error) {
    if (!req.complete) req.resume();
    if (res.headersSent) {
      deps.log('error', `REST ${req.method} ${url.pathname} failed while answering (request ${requestId}): ${(error as Error).message}`);
      res.destroy();
      return;
    }
    if (error instanceof RestError) {
      sendFhir(res, error.status, outcome(error.issueCode, error.message), { ...error.headers });
      return;
    }
    if (aborted.signal.aborted) return;
    const failure = restFailure(error, requestId);
    if (failure.unexpected) deps.log('error', `REST ${req.method} ${url.pathname} failed (request ${requestId}): ${(error as Error)?.stack ?? String(error)}`);
    const others = ctx.partialErrors.map((e) => ({ severity: 'error', code: 'exception', diagnostics: `${e.message} [${String(e.extensions['code'])}, source ${String(e.extensions['source'])}]` }));
    const body = failure.outcome as { issue?: object[] };
    sendFhir(res, failure.status, others.length > 0 ? { ...body, issue: [...(body.issue ?? []), ...others] } : body);
  }
}
