import type { ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin, type YogaLogger } from 'graphql-yoga';
import { cleanErrors, maskError } from './use-error-masking.ts';
import { withOutcomes } from './use-operation-outcomes.ts';

/**
 * A subscription's results written as /graphql writes a result, on every transport:
 *
 * - A stream that fails (the change feed ends a subscriber with EVENTS_EXPIRED, EVENTS_OVERFLOW or
 *   EVENTS_UNAVAILABLE; anything unexpected) ends with one last result carrying the error, masked as yoga masks
 *   (maskError), and then completes. Thrown on, it reached no client: yoga's SSE and graphql-sse abort the response
 *   without an event, graphql-ws closes the whole connection.
 * - yoga's own SSE (/graphql with `Accept: text/event-stream`) writes each result of a stream itself; these get the
 *   last steps the JSON route's results get from useErrorMasking and useOperationOutcomes (which leave streams alone):
 *   a masked error's original logged once with the request id and internal extensions dropped, then an
 *   OperationOutcome in every error. graphql-sse and graphql-ws write through formatted-result.ts, which does the same.
 */
export function useStreamedResults(logger: YogaLogger): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(endingInErrorResult(result as AsyncIterable<ExecutionResult>));
        },
      };
    },
    onResultProcess({ request, result, setResult }) {
      if (!isAsyncIterable(result)) return;
      setResult(mapAsyncIterator(result as AsyncIterable<ExecutionResult>, (r) => {
        if (r.errors === undefined) return r;
        return withOutcomes({ ...r, errors: cleanErrors(r.errors, request, logger) });
      }) as never);
    },
  };
}

/**
 * `source`, except that a failure of it becomes one last result `{ errors: [the masked error] }` and the end.
 * return() is passed on at once (it ends a next() still waiting for an event).
 */
export function endingInErrorResult<T extends ExecutionResult>(source: AsyncIterable<T>): AsyncIterableIterator<T | ExecutionResult> {
  const inner = source[Symbol.asyncIterator]();
  let done = false;
  const iterator: AsyncIterableIterator<T | ExecutionResult> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next() {
      if (done) return { done: true, value: undefined };
      try {
        const step = await inner.next();
        if (step.done === true) done = true;
        return step;
      } catch (error) {
        if (done) return { done: true, value: undefined }; // returned meanwhile: nobody waits for this
        done = true;
        await inner.return?.().catch(() => undefined);
        return { done: false, value: { errors: [maskError(error) as GraphQLError] } };
      }
    },
    async return() {
      if (!done) {
        done = true;
        await inner.return?.();
      }
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
