/**
 * One request's abort signal: fires when the deadline passes or when the caller's signal aborts, whichever is first,
 * and remembers which one it was, so that the client can answer UPSTREAM_TIMEOUT for the one and rethrow the caller's
 * abort reason for the other. Unlike `AbortSignal.any([caller, AbortSignal.timeout(ms)])`, the timer and listener are
 * released as soon as the request settles (`dispose`), instead of living until the timeout would fire.
 */
export class RequestDeadline {
  /** Epoch ms. */
  readonly at: number;
  readonly signal: AbortSignal;
  #firedBy: 'deadline' | 'caller' | undefined;
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onCallerAbort = (): void => this.#fire('caller', this.#caller?.reason);

  constructor(at: number, caller?: AbortSignal) {
    this.at = at;
    this.signal = this.#controller.signal;
    this.#caller = caller;
    if (caller?.aborted) {
      this.#fire('caller', caller.reason);
      return;
    }
    const remaining = at - Date.now();
    if (remaining <= 0) {
      this.#fire('deadline', new DOMException('The upstream request deadline passed', 'TimeoutError'));
      return;
    }
    caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.#timer = setTimeout(
      () => this.#fire('deadline', new DOMException('The upstream request deadline passed', 'TimeoutError')),
      remaining,
    );
  }

  /** Which signal fired first, if any. */
  get firedBy(): 'deadline' | 'caller' | undefined {
    return this.#firedBy;
  }

  /** The caller's abort reason (what a caller abort rejects with). */
  get callerReason(): unknown {
    return this.#caller?.reason ?? new DOMException('The operation was aborted', 'AbortError');
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  #fire(by: 'deadline' | 'caller', reason: unknown): void {
    if (this.#firedBy !== undefined) return;
    this.#firedBy = by;
    this.dispose();
    this.#controller.abort(reason);
  }
}
