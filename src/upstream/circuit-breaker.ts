import { UpstreamError } from './upstream-error.ts';

/**
 * The circuit breaker of one source.
 *
 *   closed    ── `failureThreshold` consecutive failures ──▶ open
 *   open      ── `resetTimeoutMs` later, the next request is admitted as the one probe ──▶ half-open
 *   half-open ── probe succeeds ──▶ closed;  probe fails ──▶ open (for another `resetTimeoutMs`)
 *
 * While open, and while the probe is in flight, every other request is refused at once (the client answers
 * SOURCE_UNAVAILABLE without sending anything). A request's outcome is reported on the permit it was admitted
 * with; outcomes of permits from before the last state change are ignored (a slow success from before the circuit
 * opened does not close it, a late failure does not reopen a freshly closed circuit). A neutral outcome (the caller
 * went away, or the request never reached the source) changes nothing, except that a neutral probe frees the probe
 * slot for the next request.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; ≥ 1. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe is admitted; > 0. */
  resetTimeoutMs: number;
  /** Clock (epoch ms); defaults to Date.now. */
  now?: () => number;
  /** Told about every state change (for the log). */
  onTransition?: (transition: CircuitTransition) => void;
}

export type CircuitTransition =
  | { to: 'open'; from: 'closed' | 'half-open'; failures: number; retryAfterMs: number }
  | { to: 'half-open'; from: 'open' }
  | { to: 'closed'; from: 'half-open' };

export type Outcome = 'success' | 'failure' | 'neutral';

export interface Permit {
  /** Reports how the request ended; only the first call counts. */
  settle(outcome: Outcome): void;
}

export type Admission =
  | { admitted: true; permit: Permit }
  /** `retryAfterMs`: when the next probe may go (0 while a probe is in flight: as soon as it fails). */
  | { admitted: false; state: 'open' | 'half-open'; retryAfterMs: number };

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly #now: () => number;
  readonly #onTransition: ((transition: CircuitTransition) => void) | undefined;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #probeInFlight = false;
  /** Bumped on every state change; permits of an older generation are stale. */
  #generation = 0;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new RangeError('CircuitBreaker failureThreshold must be an integer >= 1');
    }
    if (!Number.isFinite(options.resetTimeoutMs) || options.resetTimeoutMs <= 0) {
      throw new RangeError('CircuitBreaker resetTimeoutMs must be > 0');
    }
    this.failureThreshold = options.failureThreshold;
    this.resetTimeoutMs = options.resetTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#onTransition = options.onTransition;
  }

  /** The state as the next request would find it: 'half-open' as soon as the reset timeout has passed. */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() >= this.#openUntil) return 'half-open';
    return this.#state;
  }

  /** Consecutive failures counted so far in the closed state. */
  get failures(): number {
    return this.#failures;
  }

  /** Admits a request (handing out a permit to settle), or refuses it. Call before anything is queued or sent. */
  admit(): Admission {
    if (this.#state === 'open') {
      const wait = this.#openUntil - this.#now();
      if (wait > 0) return { admitted: false, state: 'open', retryAfterMs: wait };
      this.#transition('half-open');
      this.#onTransition?.({ to: 'half-open', from: 'open' });
    }
    if (this.#state === 'half-open') {
      if (this.#probeInFlight) return { admitted: false, state: 'half-open', retryAfterMs: 0 };
      this.#probeInFlight = true;
    }
    return { admitted: true, permit: this.#permit(this.#generation, this.#state === 'half-open') };
  }

  #permit(generation: number, probe: boolean): Permit {
    let settled = false;
    return {
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        if (generation !== this.#generation) return; // from before the last state change
        if (probe) this.#probeInFlight = false;
        if (outcome === 'neutral') return;
        if (outcome === 'success') this.#onSuccess();
        else this.#onFailure();
      },
    };
  }

  #onSuccess(): void {
    if (this.#state === 'half-open') {
      this.#transition('closed');
      this.#onTransition?.({ to: 'closed', from: 'half-open' });
      return;
    }
    this.#failures = 0;
  }

  #onFailure(): void {
    if (this.#state === 'half-open') {
      this.#open('half-open', this.#failures);
      return;
    }
    this.#failures++;
    if (this.#failures >= this.failureThreshold) this.#open('closed', this.#failures);
  }

  #open(from: 'closed' | 'half-open', failures: number): void {
    this.#transition('open');
    this.#failures = failures;
    this.#openUntil = this.#now() + this.resetTimeoutMs;
    this.#onTransition?.({ to: 'open', from, failures, retryAfterMs: this.resetTimeoutMs });
  }

  #transition(to: CircuitState): void {
    this.#state = to;
    this.#generation++;
    this.#probeInFlight = false;
    if (to === 'closed') this.#failures = 0;
  }
}

/**
 * How a request's end counts for the breaker: a failure when the source is down or failing (network errors,
 * timeouts after the request was sent, 5xx and 429 answers once retries are spent, a broken HTTP response); a
 * success when it answered anything else (a 404, 400, 401 or 412 says the source is up); neutral for everything
 * that says nothing about the source (the caller went away, our own bugs, no access token).
 */
export function outcomeOf(error: unknown, sent: boolean): Outcome {
  if (!(error instanceof UpstreamError)) return 'neutral';
  switch (error.code) {
    case 'UPSTREAM_TIMEOUT':
      return sent ? 'failure' : 'neutral';
    case 'UPSTREAM_UNAVAILABLE':
      return 'failure';
    case 'UPSTREAM_ERROR':
      return error.upstreamStatus === undefined || error.upstreamStatus >= 500 || error.upstreamStatus === 429 ? 'failure' : 'success';
    case 'UPSTREAM_BAD_RESPONSE':
      return error.upstreamStatus === undefined ? 'failure' : 'success';
    case 'UPSTREAM_AUTH_FAILED':
    case 'SOURCE_UNAVAILABLE':
      return 'neutral';
    default:
      return 'success';
  }
}
