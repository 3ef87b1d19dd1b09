import { describe, expect, it } from 'vitest';
import { CircuitBreaker, outcomeOf, type Admission, type CircuitTransition, type Permit } from '../../src/upstream/circuit-breaker.ts';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';

function setup(failureThreshold = 3, resetTimeoutMs = 1_000) {
  const clock = { now: 1_000_000 };
  const transitions: CircuitTransition[] = [];
  const breaker = new CircuitBreaker({ failureThreshold, resetTimeoutMs, now: () => clock.now, onTransition: (t) => transitions.push(t) });
  return { clock, transitions, breaker };
}

function permit(admission: Admission): Permit {
  if (!admission.admitted) throw new Error(`expected admission, got ${admission.state}`);
  return admission.permit;
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) permit(breaker.admit()).settle('failure');
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures and refuses until the reset timeout', () => {
    const { clock, transitions, breaker } = setup(3, 1_000);
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.failures).toBe(2);
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual([{ to: 'open', from: 'closed', failures: 3, retryAfterMs: 1_000 }]);
    expect(breaker.admit()).toEqual({ admitted: false, state: 'open', retryAfterMs: 1_000 });
    clock.now += 999;
    expect(breaker.admit()).toEqual({ admitted: false, state: 'open', retryAfterMs: 1 });
  });

  it('a success resets the consecutive-failure count', () => {
    const { breaker } = setup(3);
    fail(breaker, 2);
    permit(breaker.admit()).settle('success');
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('neutral outcomes neither count nor reset', () => {
    const { breaker } = setup(2);
    fail(breaker, 1);
    permit(breaker.admit()).settle('neutral');
    expect(breaker.failures).toBe(1);
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('after the reset timeout lets exactly one probe through; others are refused while it is in flight', () => {
    const { clock, transitions, breaker } = setup(1, 1_000);
    fail(breaker, 1);
    clock.now += 1_000;
    expect(breaker.state).toBe('half-open');
    const probe = permit(breaker.admit());
    expect(transitions.at(-1)).toEqual({ to: 'half-open', from: 'open' });
    expect(breaker.admit()).toEqual({ admitted: false, state: 'half-open', retryAfterMs: 0 });
    expect(breaker.admit()).toEqual({ admitted: false, state: 'half-open', retryAfterMs: 0 });
    probe.settle('success');
    expect(breaker.state).toBe('closed');
    expect(transitions.at(-1)).toEqual({ to: 'closed', from: 'half-open' });
    expect(breaker.admit().admitted).toBe(true);
    expect(breaker.admit().admitted).toBe(true);
  });

  it('a failed probe opens the circuit again for another reset timeout', () => {
    const { clock, transitions, breaker } = setup(2, 500);
    fail(breaker, 2);
    clock.now += 600;
    permit(breaker.admit()).settle('failure');
    expect(breaker.state).toBe('open');
    expect(transitions.at(-1)).toEqual({ to: 'open', from: 'half-open', failures: 2, retryAfterMs: 500 });
    expect(breaker.admit()).toEqual({ admitted: false, state: 'open', retryAfterMs: 500 });
    clock.now += 500;
    expect(breaker.admit().admitted).toBe(true);
  });

  it('a neutral probe (caller went away) frees the probe slot for the next request', () => {
    const { clock, breaker } = setup(1, 100);
    fail(breaker, 1);
    clock.now += 100;
    permit(breaker.admit()).settle('neutral');
    expect(breaker.state).toBe('half-open');
    const second = permit(breaker.admit());
    expect(breaker.admit().admitted).toBe(false);
    second.settle('success');
    expect(breaker.state).toBe('closed');
  });

  it('ignores outcomes of requests admitted before the last state change', () => {
    const { clock, breaker } = setup(2, 100);
    const slow = permit(breaker.admit());
    const slowFailure = permit(breaker.admit());
    fail(breaker, 2);
    expect(breaker.state).toBe('open');
    slow.settle('success'); // admitted while closed: does not close the open circuit
    expect(breaker.state).toBe('open');
    clock.now += 100;
    permit(breaker.admit()).settle('success');
    expect(breaker.state).toBe('closed');
    slowFailure.settle('failure'); // does not count against the fresh closed circuit
    expect(breaker.failures).toBe(0);
  });

  it('counts only the first settle of a permit', () => {
    const { breaker } = setup(2);
    const p = permit(breaker.admit());
    p.settle('failure');
    p.settle('failure');
    expect(breaker.failures).toBe(1);
  });

  it('rejects a threshold below 1 and a non-positive reset timeout', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, resetTimeoutMs: 1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('outcomeOf', () => {
  const err = (code: ConstructorParameters<typeof UpstreamError>[1]['code'], upstreamStatus?: number): UpstreamError =>
    new UpstreamError('x', { code, sourceId: 's', ...(upstreamStatus !== undefined ? { upstreamStatus } : {}) });

  it.each([
    [err('UPSTREAM_UNAVAILABLE'), true, 'failure'],
    [err('UPSTREAM_TIMEOUT'), true, 'failure'],
    [err('UPSTREAM_TIMEOUT'), false, 'neutral'], // timed out while queued: never reached the source
    [err('UPSTREAM_ERROR', 500), true, 'failure'],
    [err('UPSTREAM_ERROR', 503), true, 'failure'],
    [err('UPSTREAM_ERROR', 429), true, 'failure'],
    [err('UPSTREAM_ERROR', 302), true, 'success'],
    [err('UPSTREAM_BAD_RESPONSE'), true, 'failure'], // broken HTTP
    [err('UPSTREAM_BAD_RESPONSE', 200), true, 'success'], // answered, with a body we cannot use
    [err('NOT_FOUND', 404), true, 'success'],
    [err('UPSTREAM_BAD_REQUEST', 400), true, 'success'],
    [err('UPSTREAM_UNAUTHORIZED', 401), true, 'success'],
    [err('UPSTREAM_CONFLICT', 412), true, 'success'],
    [err('UPSTREAM_AUTH_FAILED'), false, 'neutral'],
    [new Error('a bug'), true, 'neutral'],
  ] as const)('%s (sent: %s) → %s', (error, sent, expected) => {
    expect(outcomeOf(error, sent)).toBe(expected);
  });
});
