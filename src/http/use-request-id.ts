import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

const ids = new WeakMap<Request, string>();
const VALID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request id: the caller's `x-request-id` when it is sane, else a new UUID. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    ids.set(request, id);
  }
  return id;
}

/** The given `x-request-id` header value when it is sane, else a new UUID (for answers given outside yoga). */
export function requestIdFrom(given: string | readonly string[] | null | undefined): string {
  return typeof given === 'string' && VALID.test(given) ? given : randomUUID();
}

/** Echoes the request id in the `x-request-id` response header, so logs and clients can be correlated. */
export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}
