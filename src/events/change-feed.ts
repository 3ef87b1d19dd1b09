import { GatewayError } from '../errors/gateway-error.ts';
import type { ChangeEvent, ChangeFeed, NewChange } from '../fhir/change-event.ts';
import type { Db } from '../db/database.ts';
import { ChangeLog } from './change-log.ts';

export interface ChangeFeedOptions {
  /** How often the log is looked at for events other processes committed (a bus makes it sooner). Default 1,000 ms. */
  readonly pollMs?: number;
  /** Events read from the log at a time. Default 500. */
  readonly batch?: number;
  /** Events one subscriber may have waiting before it is dropped as too slow (it resumes with `_since`). Default 10,000. */
  readonly maxQueued?: number;
  /** Called when an append could not be fanned out, or the log could not be read (the poll retries). */
  readonly log?: (message: string) => void;
}

interface Subscriber {
  readonly resourceType: string;
  /** Events of the type at or before this number come from the log (replay); after it, from the live fan-out. */
  readonly registeredAt: bigint;
  replayedThrough: bigint;
  readonly queue: ChangeEvent[];
  wake: (() => void) | undefined;
  failure: unknown;
  closed: boolean;
}

/**
 * THE change feed of one gateway process over the durable log: one reader follows the log's head and hands each new
 * event to the live subscribers of its type, in log order; a subscriber resuming from `_since` first reads what it
 * missed from the log, then continues with the live events registered behind it — nothing twice, nothing skipped.
 * Local appends wake the reader at once; events committed by other replicas are seen by `poke()` (a bus: PostgreSQL
 * NOTIFY, Redis) or the poll.
 */
export class DurableChangeFeed implements ChangeFeed {
  readonly #log: ChangeLog;
  readonly #batch: number;
  readonly #maxQueued: number;
  readonly #report: (message: string) => void;
  readonly #subscribers = new Set<Subscriber>();
  #head: bigint;
  #reading: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(log: ChangeLog, head: bigint, options: ChangeFeedOptions) {
    this.#log = log;
    this.#head = head;
    this.#batch = options.batch ?? 500;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#report = options.log ?? (() => undefined);
    this.#timer = setInterval(() => this.poke(), options.pollMs ?? 1_000);
    this.#timer.unref();
  }

  /** Starts at the log's current head: live subscribers see what is committed from now on. */
  static async open(log: ChangeLog, options: ChangeFeedOptions = {}): Promise<DurableChangeFeed> {
    return new DurableChangeFeed(log, (await log.position()).last, options);
  }

  async record(changes: readonly NewChange[]): Promise<void> {
    let logged;
    try {
      logged = await this.#log.append(changes);
    } catch (error) {
      throw new GatewayError('EVENTS_UNAVAILABLE', `The change log could not be written (${(error as Error).message})`, { cause: error });
    }
    if (logged.length > 0) this.poke();
  }

  /** Something may have been committed: read the log from the head on (coalesced: one reader at a time). */
  poke(): void {
    if (this.#closed) return;
    if (this.#reading !== undefined) {
      this.#again = true;
      return;
    }
    this.#reading = this.#readNew().finally(() => {
      this.#reading = undefined;
      if (this.#again) {
        this.#again = false;
        this.poke();
      }
    });
  }

  async #readNew(): Promise<void> {
    try {
      for (;;) {
        const events = await this.#log.readAfter(this.#head, this.#batch);
        for (const event of events) {
          this.#head = BigInt(event.eventNumber);
          for (const s of this.#subscribers) if (s.resourceType === event.resourceType) this.#push(s, event);
        }
        if (events.length < this.#batch) return;
      }
    } catch (error) {
      this.#report(`change feed: the log could not be read (${(error as Error).message}); retrying`);
    }
  }

  #push(s: Subscriber, event: ChangeEvent): void {
    if (s.closed || s.failure !== undefined) return;
    if (s.queue.length >= this.#maxQueued) {
      s.failure = new GatewayError('EVENTS_OVERFLOW', `The subscriber fell ${this.#maxQueued} events behind and was dropped; resubscribe with _since to resume`);
      s.queue.length = 0;
    } else {
      s.queue.push(event);
    }
    s.wake?.();
  }

  async follow(resourceType: string, since: bigint | undefined, signal: AbortSignal): Promise<AsyncIterable<ChangeEvent>> {
    if (this.#closed) throw new GatewayError('EVENTS_UNAVAILABLE', 'The gateway is shutting down');
    let position;
    try {
      position = await this.#log.position();
    } catch (error) {
      throw new GatewayError('EVENTS_UNAVAILABLE', `The change log could not be read (${(error as Error).message})`, { cause: error });
    }
    if (since !== undefined && since < position.prunedThrough) {
      throw new GatewayError('EVENTS_EXPIRED', `Event ${since} is older than the change log keeps (it starts after event ${position.prunedThrough}); resubscribe without _since and reload what you show`);
    }
    if (since !== undefined && since > position.last) {
      throw new GatewayError('BAD_USER_INPUT', `_since names event ${since}, which the change log has not reached (its last event is ${position.last})`);
    }
    const registeredAt = this.#head;
    const subscriber: Subscriber = {
      resourceType,
      registeredAt,
      replayedThrough: since === undefined || since > registeredAt ? registeredAt : since,
      queue: [],
      wake: undefined,
      failure: undefined,
      closed: false,
    };
    this.#subscribers.add(subscriber);
    const close = () => {
      subscriber.closed = true;
      this.#subscribers.delete(subscriber);
      subscriber.wake?.();
    };
    signal.addEventListener('abort', close, { once: true });
    const replayed: ChangeEvent[] = [];
    const next = async (): Promise<IteratorResult<ChangeEvent>> => {
      for (;;) {
        if (subscriber.closed) return { done: true, value: undefined };
        if (replayed.length > 0) return { done: false, value: replayed.shift()! };
        if (subscriber.replayedThrough < subscriber.registeredAt) {
          let page;
          try {
            page = await this.#log.readAfter(subscriber.replayedThrough, this.#batch, resourceType);
          } catch (error) {
            close();
            throw new GatewayError('EVENTS_UNAVAILABLE', `The change log could not be read (${(error as Error).message})`, { cause: error });
          }
          const older = page.filter((e) => BigInt(e.eventNumber) <= subscriber.registeredAt);
          replayed.push(...older);
          subscriber.replayedThrough = older.length < page.length || page.length < this.#batch ? subscriber.registeredAt : BigInt(page.at(-1)!.eventNumber);
          continue;
        }
        if (subscriber.failure !== undefined) {
          close();
          throw subscriber.failure;
        }
        if (subscriber.queue.length > 0) return { done: false, value: subscriber.queue.shift()! };
        await new Promise<void>((resolve) => (subscriber.wake = resolve));
        subscriber.wake = undefined;
      }
    };
    const iterator: AsyncIterableIterator<ChangeEvent> = {
      [Symbol.asyncIterator]: () => iterator,
      next,
      async return() {
        close();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }

  /** Live subscribers now (for tests and metrics). */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Ends every subscription and stops reading. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const s of [...this.#subscribers]) {
      s.closed = true;
      s.wake?.();
    }
    this.#subscribers.clear();
    await this.#reading;
  }
}

/**
 * The change feed over the gateway's database, opened when the database is (at start): until then, and if it cannot
 * be opened, subscriptions and change records wait for it or fail with EVENTS_UNAVAILABLE.
 */
export function changeFeedOver(db: Promise<Db>, options: ChangeFeedOptions = {}): ChangeFeed & { close(): Promise<void> } {
  const feed = db.then((d) => DurableChangeFeed.open(new ChangeLog(d), options));
  feed.catch(() => undefined); // reported where it is used
  const opened = async () => {
    try {
      return await feed;
    } catch (error) {
      throw new GatewayError('EVENTS_UNAVAILABLE', `The change log is not available (${(error as Error).message})`, { cause: error });
    }
  };
  return {
    follow: async (resourceType, since, signal) => (await opened()).follow(resourceType, since, signal),
    record: async (changes) => (await opened()).record(changes),
    close: async () => {
      await (await feed.catch(() => undefined))?.close();
    },
  };
}
