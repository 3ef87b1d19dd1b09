// endingInErrorResult (use-streamed-results.ts): a subscription stream that fails ends with one last result carrying
// the error, masked as yoga masks it — a GatewayError as its GraphQL form with code and OperationOutcome, anything
// else as INTERNAL_SERVER_ERROR without its message — and then the end; return() reaches the source at once.
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { endingInErrorResult } from '../../src/http/use-streamed-results.ts';

/** A source that yields `results`, then throws `failure` (or waits forever when there is none); counts return(). */
function source(results: ExecutionResult[], failure?: unknown) {
  const state = { returned: 0 };
  let release: (() => void) | undefined;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      const value = results.shift();
      if (value !== undefined) return { done: false, value };
      if (failure !== undefined) throw failure;
      await new Promise<void>((r) => (release = r));
      return { done: true, value: undefined };
    },
    async return() {
      state.returned++;
      release?.();
      return { done: true, value: undefined };
    },
  };
  return { iterator, state };
}

async function all(iterable: AsyncIterable<ExecutionResult>): Promise<ExecutionResult[]> {
  const out: ExecutionResult[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

describe('endingInErrorResult', () => {
  it('a GatewayError ends the stream as one last result with its code and OperationOutcome', async () => {
    const { iterator, state } = source([{ data: { n: 1 } }], new GatewayError('EVENTS_EXPIRED', 'Gone'));
    const results = await all(endingInErrorResult(iterator));
    expect(results).toHaveLength(2);
    expect(results[0]).toEqual({ data: { n: 1 } });
    const [error] = results[1]!.errors!;
    expect(error!.message).toBe('Gone');
    expect(error!.extensions['code']).toBe('EVENTS_EXPIRED');
    expect(error!.extensions['resource']).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Gone' }] });
    expect(state.returned).toBe(1); // released
  });

  it('anything else is masked: INTERNAL_SERVER_ERROR, not its message', async () => {
    const { iterator } = source([], new TypeError('secret detail'));
    const [last, ...more] = await all(endingInErrorResult(iterator));
    expect(more).toEqual([]);
    expect(last!.errors!.map((e) => [e.message, e.extensions['code']])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
    expect(JSON.stringify(last)).not.toContain('secret');
  });

  it('return() reaches the source at once, ending a next() that waits; nothing after it', async () => {
    const { iterator, state } = source([]);
    const stream = endingInErrorResult(iterator);
    const waiting = stream.next();
    await stream.return!();
    expect(state.returned).toBe(1);
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
