import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { issueOf, operationOutcome } from '../errors/operation-outcome.ts';
import { withExtensions } from './with-extensions.ts';

/**
 * HL7 FHIR GraphQL, error handling: "Each error SHOULD include an OperationOutcome in the resource property in the
 * graphQL extensions element", one issue matching the message. Our resolvers, loaders and directives put one there
 * themselves; this gives one to every other error of a response — syntax and validation errors, query limits,
 * request errors yoga reports (no query, bad JSON), the instance-level refusals and masked unexpected errors — as the
 * last step before the response is written, so that every way into the pipeline is covered. The results of a stream
 * (yoga's SSE) get theirs from use-streamed-results.ts, those of graphql-ws and graphql-sse from formatted-result.ts.
 */
export function useOperationOutcomes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (isAsyncIterable(result)) return;
      if (Array.isArray(result)) {
        if (result.some(lacksOutcome)) setResult(result.map(withOutcomes));
      } else if (lacksOutcome(result)) {
        setResult(withOutcomes(result));
      }
    },
  };
}

interface Result {
  readonly errors?: readonly unknown[];
}

function lacksOutcome(result: Result): boolean {
  return result.errors?.some((e) => outcomeOf(e) === undefined) === true;
}

/** The result with an OperationOutcome in every error that has none (also for transports that write results themselves). */
export function withOutcomes<R extends Result>(result: R): R {
  if (!result.errors) return result;
  return { ...result, errors: result.errors.map(withOutcome) };
}

function outcomeOf(error: unknown): unknown {
  return (error as { extensions?: Record<string, unknown> } | null)?.extensions?.['resource'];
}

function withOutcome(error: unknown): unknown {
  if (outcomeOf(error) !== undefined || error === null || typeof error !== 'object') return error;
  const e = error as { message?: unknown; extensions?: Record<string, unknown> };
  const message = typeof e.message === 'string' ? e.message : 'Error';
  // The issue type comes from THE table (error-codes.ts); `exception` for codes it does not know (yoga's own).
  const code = e.extensions?.['code'];
  const resource = operationOutcome([issueOf(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', message)]);
  const extensions = { ...e.extensions, resource };
  if (!(error instanceof GraphQLError)) return { ...error, extensions };
  return withExtensions(error, extensions);
}
