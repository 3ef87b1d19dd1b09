import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { operationOutcome } from '../errors/operation-outcome.ts';
import { shown } from '../errors/shown.ts';
import type { FetchApi } from './fhir-rest/rest-call.ts';
import { restFailure, type RestErrorLog } from './fhir-rest/rest-errors.ts';
import { fhirResponse } from './fhir-rest/rest-response.ts';
import { answering } from './fhir-rest/rest-route.ts';
import { jsonDepthExceeds } from './json-depth.ts';
import { readBodyBytes } from './read-body.ts';
import { pathnameOf, requestIdOf } from './request-meta.ts';

/** The change capture behind the route (src/events/change-capture.ts). */
export interface HookReceiver {
  /** Whether `/hooks/{sourceId}` takes notifications. */
  accepts(sourceId: string): boolean;
  receive(sourceId: string, delivery: {
    readonly method: string;
    readonly target?: { readonly resourceType: string; readonly id: string };
    readonly headers: Headers;
    readonly body: Uint8Array;
    readonly tooDeep: boolean;
  }): Promise<{ readonly status: 200 | 400 | 401 | 503; readonly message: string }>;
}

export interface HooksOptions {
  readonly receiver: HookReceiver;
  readonly maxJsonDepth: number;
  readonly log: RestErrorLog;
}

const PATH = /^\/hooks\/([a-z][a-z0-9-]{0,31})(?:\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64}))?\/?$/;
const FAILURES = { 400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 503: 'EVENTS_UNAVAILABLE' } as const;

/**
 * `POST /hooks/{sourceId}`: FHIR rest-hook notifications from an upstream source (its Subscriptions, or its own
 * change feed) — and `PUT`/`DELETE /hooks/{sourceId}/{Type}/{id}`, where HAPI sends a Subscription's payload. Public
 * as far as SMART is concerned (use-auth.ts): the change capture authenticates each notification by the source's
 * channel header or HMAC signature instead. 404 for a source that takes no notifications, 401 unauthenticated, 400 a
 * body that is no notification, 413 over limits.maxBodyBytes, 503 when it could not be handled (the source sends it
 * again); 200 once what it tells of is committed to the change log.
 */
export function useHooks(options: HooksOptions): Plugin {
  return {
    async onRequest({ request, fetchAPI, endResponse }) {
      const path = pathnameOf(request.url);
      if (path !== '/hooks' && !path.startsWith('/hooks/')) return;
      const id = requestIdOf(request);
      const answer = answering(fetchAPI as unknown as FetchApi, id);
      const fail = (error: GatewayError) => endResponse(restFailure(answer, error, undefined, id, options.log));
      const m = PATH.exec(path);
      const sourceId = m?.[1];
      if (m === null || sourceId === undefined || !options.receiver.accepts(sourceId)) {
        return fail(new GatewayError('NOT_FOUND', `No source takes notifications at ${shown(path)}: /hooks/{sourceId} of a source whose changes.mode is "hook" or "subscription"`));
      }
      const target = m[2] === undefined ? undefined : { resourceType: m[2], id: m[3]! };
      const allowed = target === undefined ? 'POST' : 'POST, PUT, DELETE';
      if (!allowed.split(', ').includes(request.method)) {
        return fail(new GatewayError('METHOD_NOT_ALLOWED', `${shown(path)} takes ${allowed}`, { headers: { allow: allowed } }));
      }
      let body: Buffer;
      try {
        body = await readBodyBytes(request);
      } catch (error) {
        return fail(error instanceof GatewayError ? error : new GatewayError('BAD_REQUEST', 'The body could not be read'));
      }
      const tooDeep = jsonDepthExceeds(body.toString('utf8'), options.maxJsonDepth);
      let result;
      try {
        result = await options.receiver.receive(sourceId, { method: request.method, ...(target && { target }), headers: request.headers, body, tooDeep });
      } catch (error) {
        return endResponse(restFailure(answer, error, undefined, id, options.log)); // unexpected: logged, 500
      }
      if (result.status !== 200) return fail(new GatewayError(FAILURES[result.status], result.message));
      endResponse(fhirResponse(answer, 200, operationOutcome([{ severity: 'information', code: 'informational', diagnostics: result.message }])));
    },
  };
}
