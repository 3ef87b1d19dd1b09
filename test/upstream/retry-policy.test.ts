import { describe, expect, it } from 'vitest';
import { backoffMs, createRetryPolicy, retryAfterMs } from '../../src/upstream/retry-policy.ts';
import type { RetryHandler } from 'undici';

describe('backoffMs', () => {
  it('doubles per retry with equal jitter and a cap', () => {
    expect(backoffMs(1, 50, 1000, () => 0)).toBe(25);
    expect(backoffMs(1, 50, 1000, () => 0.999999)).toBe(50);
    expect(backoffMs(3, 50, 1000, () => 0)).toBe(100);
    expect(backoffMs(10, 50, 1000, () => 0.999999)).toBe(1000);
  });
});

describe('retryAfterMs', () => {
  it('parses delta seconds and HTTP dates', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Mon, 01 Jan 2024 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('createRetryPolicy', () => {
  const retryOptions: RetryHandler.RetryOptions = {
    methods: ['GET'],
    statusCodes: [503],
    errorCodes: ['ECONNRESET'],
    maxRetries: 2,
    minTimeout: 50,
    maxTimeout: 1000,
  };
  const decide = (err: object, counter: number, extra: object = {}, now = 1_000) =>
    new Promise<Error | null | undefined>((resolve) => {
      const policy = createRetryPolicy({ random: () => 0, now: () => now });
      const timer = policy(Object.assign(new Error('x'), err), { state: { counter }, opts: { method: 'GET', path: '/', retryOptions, ...extra } }, resolve) as unknown;
      if (timer) clearTimeout(timer as ReturnType<typeof setTimeout>);
      if (timer) resolve(null);
    });

  it('retries eligible failures within maxRetries and the deadline', async () => {
    expect(await decide({ statusCode: 503, code: 'UND_ERR_REQ_RETRY' }, 1)).toBeNull();
    expect(await decide({ code: 'ECONNRESET' }, 2)).toBeNull();
  });

  it('gives up on ineligible methods, statuses, codes, exhausted retries and waits past the deadline', async () => {
    expect(await decide({ statusCode: 503 }, 1, { method: 'POST' })).toBeInstanceOf(Error);
    expect(await decide({ statusCode: 500 }, 1)).toBeInstanceOf(Error);
    expect(await decide({ code: 'UND_ERR_HEADERS_TIMEOUT' }, 1)).toBeInstanceOf(Error);
    expect(await decide({ statusCode: 503 }, 3)).toBeInstanceOf(Error);
    expect(await decide({ statusCode: 503, headers: { 'retry-after': '5' } }, 1, { deadline: 2_000 })).toBeInstanceOf(Error);
    expect(await decide({ statusCode: 503 }, 1, { deadline: 1_010 })).toBeInstanceOf(Error);
  });
});
