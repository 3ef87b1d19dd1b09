import type { ExecutionResult } from 'graphql';
import type { AccessTrail } from '../fhir/access-trail.ts';

/** A group's stream, started once for all of its members. */
export interface GroupStream {
  /** The results, each one shared by every member. */
  readonly results: AsyncIterable<ExecutionResult>;
  /** What the group's execution recorded since the previous result (the FHIR core's accesses), taken per result. */
  readonly takeAccesses: () => AccessTrail;
  /** Ends the group's own request (its upstream reads still in flight are cancelled). */
  readonly end: () => void;
}

/** How a group starts: its stream, or the errors every member is answered with instead (one result, then done). */
export type StartGroup = () => Promise<GroupStream | ExecutionResult>;

/** What the members of one connection may hold between them, undelivered; past it the connection is closed. */
export interface Backlog {
  queued: number;
  readonly max: number;
  /** Called once, when a member's result would take `queued` past `max`. */
  readonly overflow: () => void;
}

interface Group {
  readonly members: Set<Member>;
  stream?: GroupStream;
  iterator?: AsyncIterator<ExecutionResult>;
  stopped: boolean;
  /** Resumes the pump once a member took a result (or left): set while every member is PACE results behind. */
  wake?: () => void;
}

/**
 * The pump runs ahead of its fastest member by at most this many results: a stream is paced by the subscriber who
 * reads fastest (a replay from `_since`, or a burst of events, is produced as fast as someone takes it, no faster);
 * the others may fall behind it up to their connection's backlog.
 */
const PACE = 32;

/**
 * Subscriptions shared by their subscribers: the members of a group (same document, variables and authorization, no
 * `_since`: see share-key.ts) get one stream — each event executed once, with loaders, audit accesses and the result
 * object itself shared — instead of one execution per subscriber. A group starts with its first member and stops
 * when its last one leaves. The group is paced by its fastest member (PACE) and never waits for a slower one: each
 * member's undelivered results are queued (shared objects: a reference each), and a connection whose members hold more
 * than its backlog's max is closed by the transport (a documented code; the client resumes with `_since`), so one slow
 * reader neither slows the others nor grows the gateway's memory past the bound; a stream of one (a `_since` replay)
 * goes at its reader's pace.
 */
export class SubscriptionGroups {
  readonly #groups = new Map<string, Group>();
  /** Every group running, with a key or without. */
  readonly #running = new Set<Group>();
  readonly #accesses = new WeakMap<ExecutionResult, AccessTrail>();
  readonly #log: (message: string) => void;

  constructor(log: (message: string) => void) {
    this.#log = log;
  }

  /** Groups running now. */
  get size(): number {
    return this.#running.size;
  }

  /** Subscribers in them. */
  get members(): number {
    let n = 0;
    for (const group of this.#running) n += group.members.size;
    return n;
  }

  /** The accesses the FHIR core recorded to make `result` (to audit its delivery to each member); undefined for results not made by a group. */
  accessesOf(result: ExecutionResult): AccessTrail | undefined {
    return this.#accesses.get(result);
  }

  /**
   * Joins the group `key` names, starting it with `start` when there is none (key undefined: a group of its own).
   * Resolves with the member's stream, or with the start's errors.
   */
  async join(key: string | undefined, start: StartGroup, backlog: Backlog): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    let group = key === undefined ? undefined : this.#groups.get(key);
    const member = new Member(backlog, (m) => this.#leave(group!, key, m), () => wake(group!));
    if (group !== undefined) {
      group.members.add(member);
      return member;
    }
    group = { members: new Set([member]), stopped: false };
    if (key !== undefined) this.#groups.set(key, group);
    this.#running.add(group);
    let started: GroupStream | ExecutionResult;
    try {
      started = await start();
    } catch (error) {
      this.#forget(group, key);
      for (const m of group.members) if (m !== member) m.fail(error);
      throw error;
    }
    if (!('results' in started)) {
      // Every member that joined meanwhile gets the same errors.
      this.#forget(group, key);
      for (const m of group.members) if (m !== member) m.answer(started);
      return started;
    }
    group.stream = started;
    group.iterator = started.results[Symbol.asyncIterator]();
    if (group.stopped) this.#release(group); // every member left while it started
    else void this.#pump(group, key);
    return member;
  }

  async #pump(group: Group, key: string | undefined): Promise<void> {
    const { iterator, stream } = group as Required<Group>;
    try {
      for (;;) {
        const step = await iterator.next();
        if (group.stopped) return;
        if (step.done === true) {
          this.#forget(group, key);
          group.stopped = true;
          stream.end();
          for (const m of group.members) m.finish();
          return;
        }
        const result = step.value;
        this.#accesses.set(result, stream.takeAccesses());
        for (const m of group.members) m.push(result);
        while (!group.stopped && everyoneBehind(group)) await new Promise<void>((resolve) => (group.wake = resolve));
        if (group.stopped) return;
      }
    } catch (error) {
      this.#forget(group, key);
      if (group.stopped) return;
      group.stopped = true;
      stream.end();
      for (const m of group.members) m.fail(error);
    }
  }

  #leave(group: Group, key: string | undefined, member: Member): void {
    group.members.delete(member);
    wake(group);
    if (group.members.size === 0) {
      this.#forget(group, key);
      this.#stop(group);
    }
  }

  #forget(group: Group, key: string | undefined): void {
    if (key !== undefined && this.#groups.get(key) === group) this.#groups.delete(key);
    this.#running.delete(group);
  }

  #stop(group: Group): void {
    if (group.stopped) return;
    group.stopped = true;
    wake(group);
    if (group.stream !== undefined) this.#release(group); // else still starting: released as soon as it has
  }

  /** Returns the group's iterator (its feed registration released) and ends its request. */
  #release(group: Group): void {
    const { iterator, stream } = group as Required<Group>;
    void Promise.resolve()
      .then(() => iterator.return?.())
      .catch((error: unknown) => this.#log(`a subscription group did not stop cleanly: ${(error as Error).message}`))
      .finally(() => stream.end());
  }
}

function everyoneBehind(group: Group): boolean {
  if (group.members.size === 0) return false;
  for (const m of group.members) if (!m.behind) return false;
  return true;
}

function wake(group: Group): void {
  const resume = group.wake;
  group.wake = undefined;
  resume?.();
}

type Settle = (step: IteratorResult<ExecutionResult>) => void;

/** One subscriber's view of its group's stream: a queue of the shared results not yet taken. */
class Member implements AsyncIterableIterator<ExecutionResult> {
  readonly #queue: ExecutionResult[] = [];
  readonly #backlog: Backlog;
  readonly #leave: (member: Member) => void;
  readonly #taken: () => void;
  #waiting: { resolve: Settle; reject: (error: unknown) => void } | undefined;
  #state: 'open' | 'finished' | 'failed' | 'closed' = 'open';
  #error: unknown;

  constructor(backlog: Backlog, leave: (member: Member) => void, taken: () => void) {
    this.#backlog = backlog;
    this.#leave = leave;
    this.#taken = taken;
  }

  /** Whether it holds as many results as the pump may run ahead (PACE, or its connection's whole backlog when smaller). */
  get behind(): boolean {
    return this.#queue.length >= Math.min(PACE, this.#backlog.max);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  push(result: ExecutionResult): void {
    if (this.#state !== 'open') return;
    if (this.#waiting !== undefined) {
      const { resolve } = this.#waiting;
      this.#waiting = undefined;
      return resolve({ done: false, value: result });
    }
    if (this.#backlog.queued >= this.#backlog.max) {
      this.#close();
      return this.#backlog.overflow();
    }
    this.#backlog.queued++;
    this.#queue.push(result);
  }

  /** One result and done: the group could not start (its errors). */
  answer(result: ExecutionResult): void {
    this.push(result);
    this.finish();
  }

  finish(): void {
    if (this.#state !== 'open') return;
    this.#state = 'finished';
    this.#waiting?.resolve({ done: true, value: undefined });
    this.#waiting = undefined;
  }

  fail(error: unknown): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = error;
    this.#waiting?.reject(error);
    this.#waiting = undefined;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.#queue.shift();
    if (value !== undefined) {
      this.#backlog.queued--;
      this.#taken();
      return Promise.resolve({ done: false, value });
    }
    if (this.#state === 'failed') {
      this.#state = 'closed';
      return Promise.reject(this.#error);
    }
    if (this.#state !== 'open') return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.#close();
    return Promise.resolve({ done: true, value: undefined });
  }

  #close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#backlog.queued -= this.#queue.length;
    this.#queue.length = 0;
    this.#waiting?.resolve({ done: true, value: undefined });
    this.#waiting = undefined;
    this.#leave(this);
  }
}
