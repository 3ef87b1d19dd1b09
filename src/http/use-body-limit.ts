import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import { deriveRequest } from './request-meta.ts';

/**
 * The request body limit (limits.maxBodyBytes) for every route: the body of every request is replaced by one that
 * fails with BODY_TOO_LARGE (413) as soon as more than `limit` bytes arrive (at once when Content-Length says so), so
 * no route — REST, GraphQL, `$graphql` — can buffer more, whoever reads it. What is left of a larger body is read and
 * dropped, so that a client still sending gets to read the 413 instead of a reset. The REST API maps the error like
 * any other; for GraphQL, whose body parsers would call any read failure "invalid JSON", the parser is wrapped to
 * answer the 413 itself.
 */
export function useBodyLimit(limit: number): Plugin {
  const exceeded = new WeakSet<Request>();
  return {
    onRequest({ request, setRequest, fetchAPI }) {
      if (request.body === null || request.method === 'GET' || request.method === 'HEAD') return;
      const declared = Number(request.headers.get('content-length') ?? NaN);
      const limited = new fetchAPI.Request(request.url, {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        body: limitedBody(request.body as unknown as AsyncIterable<Uint8Array>, limit, declared, () => exceeded.add(limited)),
        duplex: 'half',
      } as unknown as RequestInit);
      setRequest(deriveRequest(request, limited));
    },
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (req) => {
        try {
          return await requestParser(req);
        } catch (error) {
          if (exceeded.has(request) || exceeded.has(req)) throw toGraphQLError(tooLarge(limit), undefined, 'request');
          throw error;
        }
      });
    },
  };
}

export function tooLarge(limit: number): GatewayError {
  return new GatewayError('BODY_TOO_LARGE', `The body is larger than ${limit} bytes (limits.maxBodyBytes)`, { details: { limit } });
}

async function* limitedBody(body: AsyncIterable<Uint8Array>, limit: number, declared: number, onExceeded: () => void): AsyncGenerator<Uint8Array> {
  const source = body[Symbol.asyncIterator]();
  const refuse = (): never => {
    onExceeded();
    void drain(source);
    throw tooLarge(limit);
  };
  if (declared > limit) refuse();
  let size = 0;
  for (let next = await source.next(); !next.done; next = await source.next()) {
    size += next.value.byteLength;
    if (size > limit) refuse();
    yield next.value;
  }
}

/** Reads the rest of a refused body and drops it (bounded by the server's own request timeout). */
async function drain(source: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    while (!(await source.next()).done);
  } catch {
    // the client went away: nothing left to drain
  }
}
