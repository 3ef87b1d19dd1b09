import type { Plugin } from 'graphql-yoga';
import { markReceived, requestIdOf } from './request-meta.ts';

/**
 * Every request, on every route, gets its id first (request-meta.ts), and every answer echoes it in `x-request-id`,
 * so that logs and clients can be correlated.
 */
export function useRequestId(): Plugin {
  return {
    onRequest({ request }) {
      requestIdOf(request);
      markReceived(request);
    },
    onResponse({ request, response }) {
      const id = requestIdOf(request);
      if (response.headers.get('x-request-id') !== id) response.headers.set('x-request-id', id);
    },
  };
}
