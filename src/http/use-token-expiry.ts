import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { GatewayError } from '../errors/gateway-error.ts';
import type { FhirContext } from '../fhir/fhir-context.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days): a later expiry is waited for in steps. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * A subscription lives no longer than the bearer token it was opened with: on every transport (yoga's SSE,
 * graphql-sse, graphql-ws through getEnveloped) the event stream of a token viewer ends at the token's `exp` with one
 * last result, an UNAUTHENTICATED error saying so, and nothing after it; an event that arrives at or after `exp` is
 * not delivered. Over SSE the stream then completes and closes; graphql-ws closes the whole connection at `exp`
 * itself (src/ws, close code 4403), before that last result could be sent. A client reconnects with a fresh token
 * and `_since` (the last eventNumber it received) and loses nothing.
 */
export function useTokenExpiry(): Plugin {
  return {
    onSubscribe({ args }) {
      const viewer = (args.contextValue as Partial<FhirContext> | undefined)?.viewer;
      if (viewer?.kind !== 'token') return undefined;
      const expiresAtMs = viewer.expiresAt * 1000;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(untilExpiry(result as AsyncIterable<ExecutionResult>, expiresAtMs));
        },
      };
    },
  };
}

/** The error result that ends a stream at the token's expiry. */
export function tokenExpiredResult(): ExecutionResult {
  const error = new GatewayError(
    'UNAUTHENTICATED',
    'The access token expired, so the subscription ended; subscribe again with a fresh token and _since set to the last eventNumber received',
  );
  return { errors: [toGraphQLError(error)] };
}

/**
 * `source` until `expiresAtMs`: then one {@link tokenExpiredResult} and done, the source returned (its upstream
 * reads and feed registration released). return() ends a waiting next() at once, like the source's own.
 */
export function untilExpiry<T extends ExecutionResult>(source: AsyncIterable<T>, expiresAtMs: number): AsyncIterableIterator<T | ExecutionResult> {
  const inner = source[Symbol.asyncIterator]();
  let state: 'open' | 'done' = 'open';
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const expiry = new Promise<'expired'>((resolve) => {
    const arm = () => {
      const left = expiresAtMs - Date.now();
      if (left <= 0) return resolve('expired');
      timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
      timer.unref?.();
    };
    wake = () => resolve('expired');
    arm();
  });
  const finish = async () => {
    clearTimeout(timer);
    wake?.();
    await inner.return?.();
  };
  const iterator: AsyncIterableIterator<T | ExecutionResult> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next() {
      if (state === 'done') return { done: true, value: undefined };
      if (Date.now() < expiresAtMs) {
        const pending = inner.next();
        pending.catch(() => undefined); // when the expiry wins, a later failure of this step is nobody's
        const step = await Promise.race([pending, expiry]);
        if ((state as 'open' | 'done') === 'done') return { done: true, value: undefined }; // returned meanwhile
        if (step !== 'expired') {
          if (step.done === true) {
            state = 'done';
            clearTimeout(timer);
            return step;
          }
          if (Date.now() < expiresAtMs) return step;
        }
      }
      state = 'done';
      await finish();
      return { done: false, value: tokenExpiredResult() };
    },
    async return() {
      if (state !== 'done') {
        state = 'done';
        await finish();
      }
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
