import { GatewayError } from '../errors/gateway-error.ts';
import type { ChangeEvent, ChangeFeed, NewChange } from '../fhir/change-event.ts';
import type { Db } from '../db/database.ts';
import type { ChangeBus } from './change-bus.ts';
import { ChangeLog } from './change-log.ts';

export interface ChangeFeedOptions {
  /** How often the log is looked at for events other processes committed (a bus makes it sooner). Default 1,000 ms. */
  readonly pollMs?: number;
  /** Events read from the log at a time. Default 500. */
  readonly batch?: number;
  /** Events one subscriber may have waiting before it is dropped as too slow (it resumes with `_since`). Default 10,000. */
  readonly maxQueued?: number;
  /** Events recorded longer ago than this are removed from the log (at open, then every `pruneEveryMs`). Default: kept. */
  readonly retentionMs?: number;
  /** How often retention runs. Default an hour, or a tenth of `retentionMs` when that is shorter (at least 1 s). */
  readonly pruneEveryMs?: number;
  /** Tells the other processes on the log of this one's appends and this one of theirs (the feed closes it). */
  readonly bus?: ChangeBus;
  /** Called when an append could not be fanned out, or the log could not be read (the poll retries). */
  readonly log?: (message: string) => void;
}

interface Subscriber {
  readonly resourceType: string;
  /** The subscriber has (or did not ask for) every event up to this number: nothing at or before it is delivered. */
  readonly floor: bigint;
  /** Events of the type in (replayedThrough, replayTo] come from the log; after replayTo, from the live fan-out. */
  replayedThrough: bigint;
  readonly replayTo: bigint;
  readonly queue: ChangeEvent[];
  wake: (() => void) | undefined;
  failure: unknown;
  closed: boolean;
}

/** How long a number missing from the log (committed out of order, which appends never do) is waited for. */
const GAP_PATIENCE_MS = 10_000;
const HOUR_MS = 3_600_000;

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
  readonly #bus: ChangeBus | undefined;
  readonly #retentionMs: number | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  /** The last event handed to the live subscribers: the reader reads after it. */
  #head: bigint;
  #reading: Promise<void> | undefined;
  #again = false;
  #pruning: Promise<void> | undefined;
  /** Since when the reader has been waiting for a missing number, if it is. */
  #gapSince: number | undefined;
  #closed = false;

  private constructor(log: ChangeLog, head: bigint, options: ChangeFeedOptions) {
    this.#log = log;
    this.#head = head;
    this.#batch = options.batch ?? 500;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#report = options.log ?? (() => undefined);
    this.#bus = options.bus;
    this.#retentionMs = options.retentionMs;
    this.#every(options.pollMs ?? 1_000, () => this.poke());
    if (this.#retentionMs !== undefined) {
      this.#every(options.pruneEveryMs ?? Math.max(1_000, Math.min(HOUR_MS, Math.floor(this.#retentionMs / 10))), () => void this.prune());
      void this.prune();
    }
    this.#bus?.listen(() => this.poke());
  }

  /** Starts at the log's current head: live subscribers see what is committed from now on. */
  static async open(log: ChangeLog, options: ChangeFeedOptions = {}): Promise<DurableChangeFeed> {
    return new DurableChangeFeed(log, (await log.position()).last, options);
  }

  #every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  async record(changes: readonly NewChange[]): Promise<void> {
    if (this.#closed) throw new GatewayError('EVENTS_UNAVAILABLE', 'The gateway is shutting down');
    let logged;
    try {
      logged = await this.#log.append(changes);
    } catch (error) {
      throw new GatewayError('EVENTS_UNAVAILABLE', `The change log could not be written (${(error as Error).message})`, { cause: error });
    }
    const last = logged.at(-1);
    if (last === undefined) return;
    this.poke();
    this.#bus?.announce(BigInt(last.eventNumber));
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
          const number = BigInt(event.eventNumber);
          if (number !== this.#head + 1n && !(await this.#skipGap(number))) return;
          // The head moves and the event is queued in one synchronous step: a subscriber registering in between
          // (follow) replays up to the head and takes live events after it.
          this.#head = number;
          for (const s of this.#subscribers) if (s.resourceType === event.resourceType && number > s.floor) this.#push(s, event);
        }
        if (events.length < this.#batch) return;
      }
    } catch (error) {
      this.#report(`change feed: the log could not be read (${(error as Error).message}); retrying`);
    }
  }

  /**
   * The log's next event is `number`, not head + 1. Numbers are gapless and commit in order, so the events between
   * were removed by retention before this process read them (the subscribers that may have missed some are ended
   * with EVENTS_EXPIRED and resume with `_since`), or — never seen — are not visible yet: waited for (read again
   * shortly), then skipped with an error in the log. True when the reader may go on with `number`.
   */
  async #skipGap(number: bigint): Promise<boolean> {
    const { prunedThrough } = await this.#log.position();
    if (prunedThrough >= number - 1n) {
      const message = `The change log removed events ${this.#head + 1n}–${number - 1n} (older than its retention) before this gateway delivered them; resubscribe with _since`;
      this.#report(`change feed: ${message}`);
      for (const s of [...this.#subscribers]) if (s.floor < number - 1n) this.#fail(s, new GatewayError('EVENTS_EXPIRED', message));
      this.#gapSince = undefined;
      return true;
    }
    this.#gapSince ??= Date.now();
    if (Date.now() - this.#gapSince < GAP_PATIENCE_MS) {
      setTimeout(() => this.poke(), 10).unref();
      return false;
    }
    this.#report(`change feed: events ${this.#head + 1n}–${number - 1n} are missing from the change log after ${GAP_PATIENCE_MS} ms; going on without them`);
    this.#gapSince = undefined;
    return true;
  }

  #push(s: Subscriber, event: ChangeEvent): void {
    if (s.queue.length >= this.#maxQueued) {
      this.#fail(s, new GatewayError('EVENTS_OVERFLOW', `The subscriber fell ${this.#maxQueued} events behind and was dropped; resubscribe with _since to resume`));
      return;
    }
    s.queue.push(event);
    s.wake?.();
  }

  /** Ends a subscriber with `failure` (thrown by its next `next()`); what it had queued is released at once. */
  #fail(s: Subscriber, failure: unknown): void {
    s.failure ??= failure;
    s.queue.length = 0;
    this.#subscribers.delete(s);
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
      throw expired(since, position.prunedThrough);
    }
    if (since !== undefined && since > position.last) {
      throw new GatewayError('BAD_USER_INPUT', `_since names event ${since}, which the change log has not reached (its last event is ${position.last})`);
    }
    if (this.#closed) throw new GatewayError('EVENTS_UNAVAILABLE', 'The gateway is shutting down');
    if (signal.aborted) return (async function* () {})();
    // From `since`, or from what the log held when asked: this process's reader may be behind the log (other
    // replicas' events it has not read yet) — those up to its head are replayed, later ones come live, and none at or
    // before `start` is delivered (the client has them).
    const start = since ?? position.last;
    const replayTo = this.#head;
    const subscriber: Subscriber = {
      resourceType,
      floor: start,
      replayedThrough: start < replayTo ? start : replayTo,
      replayTo,
      queue: [],
      wake: undefined,
      failure: undefined,
      closed: false,
    };
    this.#subscribers.add(subscriber);
    const replayed: ChangeEvent[] = [];
    const close = () => {
      subscriber.closed = true;
      subscriber.queue.length = 0;
      replayed.length = 0;
      this.#subscribers.delete(subscriber);
      signal.removeEventListener('abort', close);
      subscriber.wake?.();
    };
    signal.addEventListener('abort', close, { once: true });
    const replay = async (): Promise<void> => {
      let page, position;
      try {
        page = await this.#log.readAfter(subscriber.replayedThrough, this.#batch, resourceType, subscriber.replayTo);
        // Read after the page: a prune that removed events of it has committed by now, and shows.
        position = await this.#log.position();
      } catch (error) {
        throw new GatewayError('EVENTS_UNAVAILABLE', `The change log could not be read (${(error as Error).message})`, { cause: error });
      }
      if (position.prunedThrough > subscriber.replayedThrough) throw expired(subscriber.replayedThrough, position.prunedThrough);
      replayed.push(...page);
      subscriber.replayedThrough = page.length < this.#batch ? subscriber.replayTo : BigInt(page.at(-1)!.eventNumber);
    };
    const next = async (): Promise<IteratorResult<ChangeEvent>> => {
      for (;;) {
        if (subscriber.closed) return { done: true, value: undefined };
        if (replayed.length > 0) return { done: false, value: replayed.shift()! };
        if (subscriber.replayedThrough < subscriber.replayTo) {
          try {
            await replay();
          } catch (error) {
            close();
            throw error;
          }
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

  /** Removes the events older than the retention window now (also done on a timer); failures are logged. */
  async prune(): Promise<void> {
    if (this.#retentionMs === undefined || this.#closed) return;
    this.#pruning ??= this.#log.prune(Date.now() - this.#retentionMs).then(
      (removed) => void (removed > 0 && this.#report(`change feed: retention removed ${removed} events`)),
      (error: Error) => this.#report(`change feed: retention could not prune the log (${error.message}); trying again later`),
    ).finally(() => (this.#pruning = undefined));
    await this.#pruning;
  }

  /** Live subscribers now (for tests and metrics). */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Events waiting in the subscribers' queues now (for tests and metrics). */
  get queued(): number {
    let n = 0;
    for (const s of this.#subscribers) n += s.queue.length;
    return n;
  }

  /** The last event this process has handed to its live subscribers. */
  get head(): bigint {
    return this.#head;
  }

  /** Ends every subscription, stops reading and pruning, and closes the bus. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const s of [...this.#subscribers]) {
      s.closed = true;
      s.queue.length = 0;
      s.wake?.();
    }
    this.#subscribers.clear();
    await Promise.all([this.#reading, this.#pruning, this.#bus?.close()]);
  }
}

function expired(since: bigint, prunedThrough: bigint): GatewayError {
  return new GatewayError('EVENTS_EXPIRED', `Event ${since} is older than the change log keeps (it starts after event ${prunedThrough}); resubscribe without _since and reload what you show`);
}

export interface ChangeFeedOverOptions extends Omit<ChangeFeedOptions, 'bus'> {
  /** The bus between replicas, or the promise of one (none when it resolves to undefined). */
  readonly bus?: ChangeBus | Promise<ChangeBus | undefined>;
}

/**
 * The change feed over the gateway's database, opened when the database is (at start): until then, and if it cannot
 * be opened, subscriptions and change records wait for it or fail with EVENTS_UNAVAILABLE.
 */
export function changeFeedOver(db: Promise<Db>, options: ChangeFeedOverOptions = {}): ChangeFeed & { close(): Promise<void> } {
  const bus = Promise.resolve(options.bus).catch((error: Error) => {
    options.log?.(`change feed: no bus between replicas (${error.message}); other replicas' events arrive by the poll`);
    return undefined;
  });
  const feed = Promise.all([db, bus]).then(([d, b]) => DurableChangeFeed.open(new ChangeLog(d), { ...options, bus: b }));
  feed.catch(() => bus.then((b) => b?.close())); // the failure itself is reported where the feed is used
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
