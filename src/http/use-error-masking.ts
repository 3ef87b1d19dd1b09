import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin, type YogaLogger } from 'graphql-yoga';
import type { PartialFailure } from '../fhir/fhir-context.ts';
import { gatewayErrorOf, toGraphQLError } from '../graphql/graphql-errors.ts';
import { requestIdOf } from './request-meta.ts';
import { withExtensions } from './with-extensions.ts';

const MASKED_MESSAGE = 'Unexpected error.';
/**
 * What a masked error hid, kept in its extensions under a symbol until the result is processed and the original is
 * logged with the request id: JSON never shows symbol keys, and plugins that copy an error's extensions keep it.
 */
const HIDDEN: unique symbol = Symbol('fhir-gateway.masked-error');

/**
 * yoga's `maskError`: a GatewayError becomes its GraphQL form (graphql-errors.ts); a GraphQLError raised as such
 * (syntax, validation, limits, directives, yoga's request errors) passes; anything else is masked as
 * INTERNAL_SERVER_ERROR with no message of its own, no `originalError`, in production and in development alike.
 */
export function maskError(error: unknown): Error {
  const gateway = gatewayErrorOf(error);
  if (gateway) return toGraphQLError(gateway, error instanceof GraphQLError ? error : undefined);
  if (isRaisedAsGraphQLError(error)) return error;
  const at = error instanceof GraphQLError ? error : undefined;
  const masked = new GraphQLError(MASKED_MESSAGE, {
    ...(at?.nodes ? { nodes: at.nodes } : {}),
    ...(at?.source ? { source: at.source } : {}),
    ...(at?.positions ? { positions: at.positions } : {}),
    ...(at?.path ? { path: at.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(at?.extensions['http'] ? { http: at.extensions['http'] } : {}), [HIDDEN]: at?.originalError ?? error },
  });
  return masked;
}

/** A GraphQLError all the way down (graphql-js wraps what resolvers throw; a wrapped GraphQLError is still ours). */
function isRaisedAsGraphQLError(error: unknown): error is GraphQLError {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError === undefined || error.originalError === null || isRaisedAsGraphQLError(error.originalError);
}

/**
 * yoga logs every error it masks, without the request; we log them (once, with the request id) in useErrorMasking.
 * This logger drops those calls and passes everything else.
 */
export function withoutMaskedErrorLogs(logger: YogaLogger): YogaLogger {
  return {
    debug: (...args) => logger.debug(...args),
    info: (...args) => logger.info(...args),
    warn: (...args) => logger.warn(...args),
    error: (...args) => {
      if (args.length === 1 && args[0] instanceof Error) return;
      logger.error(...args);
    },
  };
}

/**
 * Error masking for the GraphQL routes, last before a result is written: every error loses `extensions.originalError`
 * (yoga adds one to "POST body sent invalid JSON.", quoting the JS exception and part of the body) and `unexpected`;
 * the original of every masked error, and the cause of every partial failure that was not expected, is logged once
 * with the request id.
 */
export function useErrorMasking(logger: YogaLogger): Plugin {
  return {
    onResultProcess({ request, result, setResult }) {
      if (isAsyncIterable(result)) return;
      const results = Array.isArray(result) ? result : [result];
      let changed = false;
      const cleaned = results.map((r: { errors?: readonly unknown[] }) => {
        const errors = cleanErrors(r.errors, request, logger);
        if (errors === r.errors) return r;
        changed = true;
        return { ...r, errors };
      });
      if (changed) setResult((Array.isArray(result) ? cleaned : cleaned[0]) as never);
    },
  };
}

/**
 * The errors of one result as useErrorMasking leaves them (the same array when nothing needed it): for transports that
 * write results themselves (graphql-ws, graphql-sse), so that their errors are the ones HTTP answers.
 */
export function cleanErrors<E extends readonly unknown[] | undefined>(errors: E, request: Request, logger: YogaLogger): E {
  if (!errors?.some((e) => needsCleaning(e))) return errors;
  return errors.map((e) => clean(e, request, logger)) as unknown as E;
}

/** Logs the unexpected causes of partial failures (a bug in a source's handling: the client saw INTERNAL_SERVER_ERROR). */
export function logUnexpectedPartials(failures: readonly PartialFailure[], requestId: string, log: (message: string) => void): void {
  for (const { error } of failures) {
    if (error.code !== 'INTERNAL_SERVER_ERROR' || error.cause === undefined) continue;
    log(`unexpected error in source '${String(error.sourceId)}' (request ${requestId}): ${describe(error.cause)}`);
  }
}

function needsCleaning(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  return HIDDEN in error.extensions || error.extensions['originalError'] !== undefined || error.extensions['unexpected'] !== undefined;
}

function clean(error: unknown, request: Request, logger: YogaLogger): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const extensions: Record<string | symbol, unknown> = { ...error.extensions };
  // yoga answers a request error that hid a JS exception (invalid JSON) with 400 even to `Accept: application/json`,
  // telling by that `originalError`; without it, the error must not count as a `spec` one (which is answered 200).
  const http = extensions['http'] as { spec?: unknown } | undefined;
  if (extensions['originalError'] !== undefined && http?.spec !== undefined) {
    const { spec: _spec, ...rest } = http;
    extensions['http'] = rest;
  }
  if (HIDDEN in extensions) logger.error(`unexpected error (request ${requestIdOf(request)}): ${describe(extensions[HIDDEN])}`);
  delete extensions[HIDDEN];
  delete extensions['originalError'];
  delete extensions['unexpected'];
  return withExtensions(error, extensions);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
