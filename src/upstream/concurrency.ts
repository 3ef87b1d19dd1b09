/**
 * A tiny FIFO semaphore: at most `max` holders at a time, the rest wait in arrival order.
 *
 * Why not rely on undici's Pool `connections` alone: that bounds sockets, not logical requests. A logical
 * request holds its slot across retries and their backoff (so retries never amplify the load on a struggling
 * upstream), `maxConcurrency` is a separate knob from `maxConnections`, injected dispatchers (MockAgent in tests)
 * have no pool limit at all, and a request waiting here must leave the queue at once when its deadline passes or
 * its caller goes away, which undici's internal pool queue does not promise.
 */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
}

export class Semaphore {
  readonly max: number;
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Semaphore max must be a positive integer, got ${max}`);
    this.max = max;
  }

  /** Holders right now. */
  get active(): number {
    return this.#active;
  }

  /** Waiters right now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves with a release function once a slot is free; rejects with `signal.reason` if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant(this.#releaser()); // the slot passes straight to the next waiter
      else this.#active--;
    };
  }
}
