import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { issueOf, operationOutcome } from '../errors/operation-outcome.ts';
import { SECURITY_HEADERS } from './use-security-headers.ts';

/** `host[:port]`, a bracketed IPv6 literal allowed (RFC 9110 §7.2 uri-host, without percent-encoding). */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;
/** A target of only RFC 3986 path and query characters: the URL parser takes it as it is (no parse needed to know). */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
/** A dot-segment, plain or percent-encoded (the WHATWG URL parser resolves `%2e%2e` as `..`). */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Why the pipeline cannot take this request as it is, or undefined. The pipeline (whatwg-node, then yoga) builds the
 * Request URL from the Host header and the request target, so:
 * - a Host that is not `host[:port]` either does not parse — whatwg-node then answered 500 with the exception's
 *   stack as the body — or moves the request to another route: `Host: h/fhir/Patient/1?` with target `/health`
 *   was a read of Patient/1, past any proxy rule on the path;
 * - a target that is not a path (`http://...`, `*`) is glued to the Host into nonsense;
 * - dot-segments (`/fhir/%2e%2e/graphql`) are resolved by the URL parser, so the route the pipeline saw was not the
 *   path a proxy in front of it checked.
 */
export function malformedRequest(req: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
  const host = req.headers.host;
  if (host !== undefined && host !== '' && !AUTHORITY.test(host)) return 'the Host header is not host[:port]';
  const target = req.url ?? '';
  if (!target.startsWith('/')) return 'the request target is not an absolute path';
  const path = target.split(/[?#]/, 1)[0]!;
  if (path.includes('.') || /%2e/i.test(path)) {
    if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) return 'the path has dot-segments (. or ..)';
  }
  if (PLAIN_TARGET.test(target)) return undefined;
  try {
    new URL(`http://${host || 'localhost'}${target}`);
  } catch {
    return 'the request URL does not parse';
  }
  return undefined;
}

/**
 * Wraps the pipeline's node handler: a request whose URL the pipeline cannot build soundly (malformedRequest) is
 * answered 400 before it, with the headers every answer carries. Not a router: nothing is dispatched here.
 */
export function guardNodeRequests<H extends (req: IncomingMessage, res: ServerResponse) => unknown>(handler: H): (req: IncomingMessage, res: ServerResponse) => unknown {
  return (req, res) => {
    const why = malformedRequest(req);
    if (why === undefined) return handler(req, res);
    const message = `Bad request: ${why}`;
    const body = JSON.stringify({
      errors: [{
        message,
        extensions: {
          code: 'BAD_REQUEST',
          resource: operationOutcome([issueOf('BAD_REQUEST', message)]),
        },
      }],
    });
    res.writeHead(400, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...SECURITY_HEADERS,
      'x-request-id': randomUUID(),
      connection: 'close',
    });
    res.end(body);
    return undefined;
  };
}
