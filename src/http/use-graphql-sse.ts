import type { ExecutionResult } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import type { GatewayYoga } from './create-yoga.ts';
import { envelopedOperation, envelopeRegistry } from './enveloped-operation.ts';
import { formatResult } from './formatted-result.ts';
import { withOutcomes } from './use-operation-outcomes.ts';
import { pathnameOf, requestIdOf } from './request-meta.ts';

export interface GraphqlSseOptions {
  /** Where the protocol is served, e.g. `/graphql/stream` (matched exactly). */
  readonly endpoint: string;
  readonly maxJsonDepth: number;
  readonly logger: YogaLogger;
}

/**
 * The GraphQL over SSE protocol (graphql-sse's own handler) as a route of this pipeline: the request id, CORS, body
 * limit and auth (the bearer token of the `Authorization` header; 401 without) run before it as for every route, and
 * each operation is prepared and executed through the pipeline's envelop (enveloped-operation.ts: document and query
 * limits, masking, token expiry...) and written as /graphql writes results (formatted-result.ts). Errors before
 * execution (syntax, validation, limits) are one `next` event, then `complete`, as graphql-sse does for validation.
 *
 * Not @graphql-yoga/plugin-graphql-sse (3.24): with graphql-sse 2.6 it answered a validation error as "Unable to detect
 * operation AST", and a syntax error or a mutation sent by GET threw (500).
 *
 * - "Distinct connections" mode only (the graphql-sse client's default: one stream per operation, `Accept:
 *   text/event-stream`). The "single connection" mode is off: its reserved streams are keyed by a token made with
 *   Math.random and shared by every user of the process, so another user who learned or guessed one could read the
 *   results of operations run with someone else's token. Its requests are 404.
 * - CSRF, as use-csrf-prevention.ts rules for /graphql: a POST must be `application/json`. graphql-sse itself takes
 *   any Content-Type that *contains* `application/json`, which `text/plain; application/json` does — a type a page of
 *   any origin may send without a preflight.
 * - Keep-alive: graphql-sse writes a comment (`:`) every 12 s on an open stream.
 */
export function useGraphqlSse(options: GraphqlSseOptions): Plugin {
  const { endpoint, logger } = options;
  let handler: ((request: Request) => Promise<Response>) | undefined;
  const envelopes = envelopeRegistry();
  return {
    onYogaInit({ yoga }) {
      const gateway = yoga as unknown as GatewayYoga;
      handler = createHandler({
        authenticate: () => undefined, // no stream tokens: distinct connections mode only
        validate: () => [], // validated through the pipeline in onSubscribe
        async onSubscribe(req, params) {
          const operation = await envelopedOperation(gateway, req.raw as Request, params, options.maxJsonDepth);
          // an ExecutionResult (graphql-sse tells one by its `data` key) is written as the stream's one event
          if ('errors' in operation) return { data: undefined, errors: [...operation.errors] } as never;
          return envelopes.remember(operation) as never;
        },
        execute: (args) => envelopes.of(args.contextValue).execute(args) as never,
        subscribe: (args) => envelopes.of(args.contextValue).subscribe(args) as never,
        onNext: (_ctx, req, result) => formatResult(result as ExecutionResult, req.raw as Request, logger) as never,
      }, gateway.fetchAPI as never) as (request: Request) => Promise<Response>;
    },
    async onRequest({ request, fetchAPI, endResponse }) {
      if (pathnameOf(request.url) !== endpoint || handler === undefined) return;
      if (request.method === 'POST') {
        const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/json') {
          const error = new GatewayError('UNSUPPORTED_MEDIA_TYPE', `GraphQL over SSE requests are POSTed as application/json (or sent with GET); ${type === '' ? 'a body without Content-Type' : `Content-Type '${type.slice(0, 64)}'`} is refused`);
          const body = withOutcomes({ errors: [toGraphQLError(error).toJSON()] });
          endResponse(new fetchAPI.Response(JSON.stringify(body), {
            status: 415,
            headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestIdOf(request) },
          }));
          return;
        }
      }
      endResponse(await handler(request));
    },
  };
}
