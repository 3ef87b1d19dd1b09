// The durable change log and the feed over it, on the embedded SQLite and on PostgreSQL: numbers gapless and strictly
// increasing however appends race (connections, threads, processes), nothing numbered by a failed append, dedupe by
// version, a delete's last version, retention (EVENTS_EXPIRED, never a partial replay), and `follow`: every matching
// event after `since` exactly once and in order, then live — with appends racing the registration, from this process
// and from another replica whose events it learns of late.
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { DurableChangeFeed, type ChangeFeedOptions } from '../../src/events/change-feed.ts';
import { ChangeLog } from '../../src/events/change-log.ts';
import type { ChangeEvent, NewChange } from '../../src/fhir/change-event.ts';
import { testBackends } from '../db/helpers.ts';

const CHILD = new URL('./change-log-child.ts', import.meta.url);
const backends = testBackends('change_log');

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

async function open(url: string): Promise<{ db: Db; log: ChangeLog }> {
  const db = await openDatabase(url);
  opened.push(db);
  return { db, log: new ChangeLog(db) };
}

async function feedOver(log: ChangeLog, options: ChangeFeedOptions = {}): Promise<DurableChangeFeed> {
  const feed = await DurableChangeFeed.open(log, { pollMs: 60_000, ...options });
  opened.push(feed);
  return feed;
}

let serial = 0;
function change(overrides: Partial<NewChange> = {}): NewChange {
  const resourceType = overrides.resourceType ?? 'Patient';
  const id = overrides.id ?? `r-${++serial}`;
  return {
    action: 'create', sourceId: 'hospital', resourceType, id, versionId: null,
    resource: { resourceType, id } as NewChange['resource'], previous: null, ...overrides,
  };
}

const numbersOf = (events: readonly ChangeEvent[]) => events.map((e) => Number(e.eventNumber));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

/** Collects a follower's events as they come (the way the subscription transport pulls them). */
function collect(iterable: AsyncIterable<ChangeEvent>) {
  const iterator = iterable[Symbol.asyncIterator]();
  const got: ChangeEvent[] = [];
  const state: { error: unknown; done: boolean } = { error: undefined, done: false };
  const finished = (async () => {
    try {
      for (;;) {
        const r = await iterator.next();
        if (r.done === true) break;
        got.push(r.value);
      }
    } catch (error) {
      state.error = error;
    }
    state.done = true;
  })();
  return { got, state, finished, stop: async () => {
    await iterator.return?.();
    await finished;
  } };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
}

/** `count` appenders on worker threads, each with a connection of its own, started at one instant. */
async function fromWorkers(url: string, count: number, each: number): Promise<Array<{ numbers: string[]; ids: string[] }>> {
  const barrier = new SharedArrayBuffer(4);
  const workers = Array.from({ length: count }, (_, i) => new Worker(CHILD, { workerData: { url, count: each, tag: `w${i}`, barrier } }));
  try {
    const results = workers.map((worker) => new Promise<{ numbers: string[]; ids: string[] }>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; numbers?: string[]; ids?: string[] }) => {
        if (m.numbers !== undefined) resolve({ numbers: m.numbers, ids: m.ids! });
      });
      worker.on('error', reject);
    }));
    await Promise.all(workers.map((worker) => new Promise<void>((ready) => worker.once('message', () => ready()))));
    Atomics.store(new Int32Array(barrier), 0, 1);
    Atomics.notify(new Int32Array(barrier), 0);
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** An appender in another OS process (`node change-log-child.ts`), started when `go` is called. */
function fromProcess(url: string, count: number, tag: string) {
  const child = spawn(process.execPath, [CHILD.pathname, url, String(count), tag], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code} before it was ready: ${err}`)));
  });
  const result = new Promise<{ numbers: string[]; ids: string[] }>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child exited with ${code}: ${err}`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as { numbers: string[]; ids: string[] });
    });
  });
  result.catch(() => undefined);
  return { ready, result, go: () => child.stdin.end('go\n'), kill: () => child.kill('SIGKILL') };
}

/** Every appender's numbers strictly increase, no number is given twice, and together they are 1..N; the log agrees. */
async function expectGapless(log: ChangeLog, results: ReadonlyArray<{ numbers: readonly string[]; ids: readonly string[] }>): Promise<void> {
  const all: number[] = [];
  const idOf = new Map<number, string>();
  for (const { numbers, ids } of results) {
    const ns = numbers.map(Number);
    expect(ns).toEqual([...ns].sort((a, b) => a - b));
    ns.forEach((n, i) => idOf.set(n, ids[i]!));
    all.push(...ns);
  }
  all.sort((a, b) => a - b);
  expect(all).toEqual(range(1, all.length));
  const stored = await log.readAfter(0n, 100_000);
  expect(numbersOf(stored)).toEqual(all);
  expect(stored.map((e) => e.id)).toEqual(all.map((n) => idOf.get(n)));
  expect((await log.position()).last).toBe(BigInt(all.length));
}

/** A small deterministic PRNG (mulberry32), so that a failing interleaving can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Lets a random amount of other work run: nothing, a microtask, a macrotask, or a few milliseconds. */
async function jitter(random: () => number): Promise<void> {
  const r = random();
  if (r < 0.2) return;
  if (r < 0.4) return void (await Promise.resolve());
  if (r < 0.7) return void (await new Promise((resolve) => setImmediate(resolve)));
  await sleep(Math.floor(random() * 4));
}

describe.each(backends)('the change log on $dialect', (backend) => {
  it('numbers are gapless and strictly increasing when appends race from several connections and threads', async () => {
    const url = backend.fresh();
    const { log } = await open(url);
    const others = backend.dialect === 'postgres' ? await Promise.all([open(url), open(url)]) : [];
    // This connection (its pool, for PostgreSQL), further pools, and worker threads with connections of their own.
    const here = (l: ChangeLog, tag: string) => Promise.all(range(0, 19).map(async (i) => {
      const events = await l.append(i % 4 === 3 ? [change({ id: `${tag}-${i}a` }), change({ id: `${tag}-${i}b` })] : [change({ id: `${tag}-${i}` })]);
      return { numbers: events.map((e) => e.eventNumber), ids: events.map((e) => e.id) };
    }));
    const [workers, ...mine] = await Promise.all([fromWorkers(url, 3, 25), here(log, 'main'), ...others.map((o, i) => here(o.log, `pool${i}`))]);
    await expectGapless(log, [...workers, ...mine.flat()]);
  });

  it('numbers are gapless and strictly increasing when two OS processes append to one database', async () => {
    const url = backend.fresh();
    const { log } = await open(url);
    const children = [fromProcess(url, 60, 'p1'), fromProcess(url, 60, 'p2')];
    try {
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      const mine = [];
      for (let i = 0; i < 30; i++) {
        const events = await log.append([change({ id: `main-${i}` })]);
        mine.push({ numbers: events.map((e) => e.eventNumber), ids: events.map((e) => e.id) });
      }
      await expectGapless(log, [...(await Promise.all(children.map((c) => c.result))), ...mine]);
    } finally {
      for (const c of children) c.kill();
    }
  }, 60_000);

  it('an append that fails takes no number, and logs none of its batch', async () => {
    const { log } = await open(backend.fresh());
    await log.append([change(), change(), change()]);
    // Fails in the transaction, after the counter row was taken: a value JSON cannot hold, then a NOT NULL column.
    const unserialisable = change({ resource: { resourceType: 'Patient', id: 'x', extension: [{ valueInteger: 1n }] } as unknown as NewChange['resource'] });
    await expect(log.append([change({ id: 'first-of-failed-batch' }), unserialisable])).rejects.toThrow(/BigInt/);
    await expect(log.append([change({ id: 'also-failed' }), change({ sourceId: null as unknown as string })])).rejects.toThrow();
    expect((await log.position()).last).toBe(3n);
    const [next] = await log.append([change({ id: 'after' })]);
    expect(next!.eventNumber).toBe('4');
    const stored = await log.readAfter(0n, 100);
    expect(numbersOf(stored)).toEqual([1, 2, 3, 4]);
    expect(stored.map((e) => e.id)).not.toContain('first-of-failed-batch');
    expect(stored.map((e) => e.id)).not.toContain('also-failed');
  });

  it('a change with a version is logged once; one without is never taken for a repeat', async () => {
    const { log } = await open(backend.fresh());
    const v1 = change({ id: 'p1', versionId: '1' });
    expect(numbersOf(await log.append([v1]))).toEqual([1]);
    expect(await log.append([v1])).toEqual([]); // the upstream's notification of the gateway's own write
    expect(numbersOf(await log.append([v1, change({ id: 'p1', versionId: '2', action: 'update' }), change({ id: 'p1', versionId: '2', action: 'update' })]))).toEqual([2]);
    // the same version in another source, or with another action, is another change
    expect(numbersOf(await log.append([change({ id: 'p1', versionId: '1', sourceId: 'lab' }), change({ id: 'p1', versionId: '1', action: 'update' })]))).toEqual([3, 4]);
    const versionless = change({ id: 'p2' });
    expect(numbersOf(await log.append([versionless, versionless]))).toEqual([5, 6]);
    expect(numbersOf(await log.append([versionless]))).toEqual([7]);
    expect((await log.position()).last).toBe(7n);
  });

  it("a delete's previous version is taken from the log when the writer does not know it", async () => {
    const { log } = await open(backend.fresh());
    const v1 = { resourceType: 'Patient', id: 'p1', meta: { versionId: '1' }, name: [{ family: 'One' }] } as NewChange['resource'];
    const v2 = { resourceType: 'Patient', id: 'p1', meta: { versionId: '2' }, name: [{ family: 'Two' }] } as NewChange['resource'];
    await log.append([change({ id: 'p1', versionId: '1', resource: v1 }), change({ id: 'p1', versionId: '2', action: 'update', resource: v2 })]);
    await log.append([change({ id: 'p1', sourceId: 'lab', resource: v1 })]); // the same id in another source
    const [deleted] = await log.append([change({ id: 'p1', action: 'delete', resource: null })]);
    expect(deleted!.previous).toEqual(v2);
    expect(await log.append([change({ id: 'p1', action: 'delete', resource: null })])).toEqual([]); // told twice: one delete
    const [unknown] = await log.append([change({ id: 'never-seen', action: 'delete', resource: null })]);
    expect(unknown!.previous).toBeNull();
    const given = { resourceType: 'Patient', id: 'p3', name: [{ family: 'Given' }] } as NewChange['resource'];
    const [told] = await log.append([change({ id: 'p3', action: 'delete', resource: null, previous: given })]);
    expect(told!.previous).toEqual(given);
    const stored = await log.readAfter(3n, 10);
    expect(stored.map((e) => e.previous)).toEqual([v2, null, given]);
  });

  it('a delete is logged once, whoever tells of it (no version, a version, the deleted resource), and again only after a re-create', async () => {
    const { log } = await open(backend.fresh());
    const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, s)).toISOString();
    const version = (v: string, s: number, family: string) => ({ resourceType: 'Patient', id: 'p1', meta: { versionId: v, lastUpdated: at(s) }, name: [{ family }] }) as NewChange['resource'];
    const del = (overrides: Partial<NewChange> & { deletedAt?: string } = {}) => change({ id: 'p1', action: 'delete', resource: null, ...overrides });
    const v1 = version('1', 1, 'One');
    await log.append([change({ id: 'p1', versionId: '1', resource: v1 })]);
    // the gateway's own delete (no version), then the source's notification of it: with the deleted resource, with the
    // delete's own version (history), and both at once in one batch
    expect(numbersOf(await log.append([del()]))).toEqual([2]);
    expect(await log.append([del({ previous: v1 }), del({ versionId: '2', deletedAt: at(2) }), del({ versionId: '2' })])).toEqual([]);
    // re-created (version 3), then deleted again: a new event, whoever tells first; its repeats are not
    const v3 = version('3', 3, 'Three');
    await log.append([change({ id: 'p1', versionId: '3', resource: v3 })]);
    // an old delete told late (a replayed notification of the first delete, a history entry older than version 3)
    expect(await log.append([del({ previous: v1 }), del({ versionId: '2', deletedAt: at(2) })])).toEqual([]);
    const [second] = await log.append([del({ versionId: '4', deletedAt: at(4) })]);
    expect(second).toMatchObject({ eventNumber: '4', action: 'delete', versionId: '4', previous: v3 });
    expect(await log.append([del(), del({ previous: v3 })])).toEqual([]);
    // a delete after a re-create the log never heard of: both deletes name their own versions, and they differ
    expect(numbersOf(await log.append([del({ versionId: '6', deletedAt: at(6) })]))).toEqual([5]);
    // the deleted version is newer than the logged state (an update the log missed): still a new delete
    await log.append([change({ id: 'p2', versionId: 'a', resource: { ...v1!, id: 'p2', meta: { versionId: 'a', lastUpdated: at(1) } } })]);
    const missed = { ...v1!, id: 'p2', meta: { versionId: 'b', lastUpdated: at(5) } };
    expect(numbersOf(await log.append([change({ id: 'p2', action: 'delete', resource: null, previous: missed })]))).toEqual([7]);
    expect((await log.readAfter(0n, 100)).map((e) => [e.action, e.id, e.versionId])).toEqual([
      ['create', 'p1', '1'], ['delete', 'p1', null], ['create', 'p1', '3'], ['delete', 'p1', '4'], ['delete', 'p1', '6'],
      ['create', 'p2', 'a'], ['delete', 'p2', null],
    ]);
  });

  // Two connections of one process race on PostgreSQL; on SQLite a second connection of the same thread would wait on
  // the first one's write lock synchronously (appends from threads and processes are serialised, tested above).
  it.runIf(backend.dialect === 'postgres')('the same delete appended at once from two connections is logged once', async () => {
    const url = backend.fresh();
    const [a, b] = [await open(url), await open(url)];
    await a.log.append([change({ id: 'raced', versionId: '1' })]);
    for (let round = 0; round < 10; round++) {
      const id = `raced-${round}`;
      await a.log.append([change({ id, versionId: '1' })]);
      const both = await Promise.all([a.log.append([change({ id, action: 'delete', resource: null })]), b.log.append([change({ id, action: 'delete', resource: null })])]);
      expect(both.flat()).toHaveLength(1);
    }
    const stored = await a.log.readAfter(0n, 100);
    expect(stored.filter((e) => e.action === 'delete')).toHaveLength(10);
  });

  it('retention removes old events in bounded steps; an older _since is EVENTS_EXPIRED, a future one BAD_USER_INPUT', async () => {
    const { log } = await open(backend.fresh());
    const now = Date.now();
    await log.append(range(1, 10).map(() => change()), now - 10_000);
    await log.append([change(), change({ resourceType: 'Observation' }), change()], now);
    expect(await log.prune(now - 5_000, 3)).toBe(10); // in steps of 3 events
    expect(await log.position()).toEqual({ last: 13n, prunedThrough: 10n });
    expect(numbersOf(await log.readAfter(0n, 100))).toEqual([11, 12, 13]);
    expect(await log.prune(now - 5_000)).toBe(0);

    const feed = await feedOver(log);
    const signal = new AbortController().signal;
    const old = await rejection(feed.follow('Patient', 9n, signal));
    expect(old).toBeInstanceOf(GatewayError);
    expect(old.code).toBe('EVENTS_EXPIRED');
    expect(old.message).toMatch(/older than the change log keeps/);
    const future = await rejection(feed.follow('Patient', 14n, signal));
    expect(future.code).toBe('BAD_USER_INPUT');
    // exactly at the pruned edge: everything after it is still there
    const edge = collect(await feed.follow('Patient', 10n, signal));
    await until(() => edge.got.length === 2);
    expect(numbersOf(edge.got)).toEqual([11, 13]);
    await edge.stop();
  });

  it('a prune that overtakes a replay ends it with EVENTS_EXPIRED, never with a partial stream', async () => {
    const { log } = await open(backend.fresh());
    const now = Date.now();
    await log.append(range(1, 6).map(() => change()), now - 10_000);
    await log.append([change()], now);
    const feed = await feedOver(log);
    const follower = (await feed.follow('Patient', 2n, new AbortController().signal))[Symbol.asyncIterator]();
    await log.prune(now - 5_000); // before the replay read anything
    const error = await rejection(follower.next());
    expect(error.code).toBe('EVENTS_EXPIRED');
    expect(feed.subscribers).toBe(0);
  });

  it("retention overtaking a replica's reader ends the subscribers that may have missed events, and only those", async () => {
    const { log } = await open(backend.fresh());
    const lagging = await feedOver(log); // it learns of the appends below only when poked
    const behind = collect(await lagging.follow('Patient', undefined, new AbortController().signal));
    const now = Date.now();
    await log.append(range(1, 5).map(() => change()), now - 10_000); // another replica's, never read here
    await log.prune(now - 5_000);
    const caughtUp = collect(await lagging.follow('Patient', 5n, new AbortController().signal)); // has 1..5
    await log.append([change()], now);
    lagging.poke();
    await until(() => behind.state.done && caughtUp.got.length === 1);
    expect((behind.state.error as GatewayError).code).toBe('EVENTS_EXPIRED');
    expect(behind.got).toEqual([]);
    expect(numbersOf(caughtUp.got)).toEqual([6]);
    expect(lagging.head).toBe(6n);
    await caughtUp.stop();
  });

  it('the feed prunes on a timer by its retention window', async () => {
    const { log } = await open(backend.fresh());
    await log.append([change(), change()], Date.now() - 60_000);
    await log.append([change()]);
    await feedOver(log, { retentionMs: 30_000, pruneEveryMs: 20 });
    let position = await log.position();
    for (let i = 0; i < 200 && position.prunedThrough === 0n; i++) {
      await sleep(10);
      position = await log.position();
    }
    expect(position).toEqual({ last: 3n, prunedThrough: 2n });
    await log.append([change()], Date.now() - 60_000); // an event that ages out later (a replica's clock behind)
    for (let i = 0; i < 200 && position.prunedThrough !== 4n; i++) {
      await sleep(10);
      position = await log.position();
    }
    expect(position.prunedThrough).toBe(4n);
  });

  it("a replica's follower resuming from an event its reader has not seen yet gets each later event once", async () => {
    const url = backend.fresh();
    const a = await open(url);
    const b = backend.dialect === 'postgres' ? await open(url) : a;
    const feedA = await feedOver(a.log);
    const feedB = await feedOver(b.log); // learns of A's events only when poked (no bus here)
    await feedA.record([change(), change(), change()]);
    expect(feedB.head).toBe(0n);
    const resumed = collect(await feedB.follow('Patient', 2n, new AbortController().signal));
    const fresh = collect(await feedB.follow('Patient', undefined, new AbortController().signal));
    await feedA.record([change()]);
    feedB.poke();
    await until(() => resumed.got.length >= 2 && fresh.got.length >= 1);
    await sleep(50);
    expect(numbersOf(resumed.got)).toEqual([3, 4]);
    expect(numbersOf(fresh.got)).toEqual([4]); // from when it subscribed: nothing the log held before
    await resumed.stop();
    await fresh.stop();
  });

  it('follow delivers every matching event after since exactly once and in order, then live, however appends race it', async () => {
    const url = backend.fresh();
    const a = await open(url);
    const b = backend.dialect === 'postgres' ? await open(url) : a;
    // Small pages, and a replica (B) whose appends A learns of only by its poll: the registration races both.
    const feedA = await feedOver(a.log, { batch: 7, pollMs: 15 });
    const feedB = await feedOver(b.log, { batch: 5, pollMs: 25 });
    const types = ['Patient', 'Observation'];
    for (const seed of range(1, 12)) {
      const random = prng(seed * 7919);
      const followers: Array<{ type: string; since: bigint | undefined; before: bigint; after: bigint; c: ReturnType<typeof collect> }> = [];
      const writes = (async () => {
        for (let i = 0; i < 25; i++) {
          await jitter(random);
          const feed = random() < 0.5 ? feedA : feedB;
          await feed.record(range(1, 1 + Math.floor(random() * 3)).map(() => change({ resourceType: types[Math.floor(random() * 2)]! })));
        }
      })();
      const subscriptions = (async () => {
        for (let i = 0; i < 6; i++) {
          await jitter(random);
          const feed = random() < 0.7 ? feedA : feedB;
          const type = types[Math.floor(random() * 2)]!;
          const before = (await a.log.position()).last;
          const since = random() < 0.25 ? undefined : BigInt(Math.floor(random() * (Number(before) + 1)));
          const iterable = await feed.follow(type, since, new AbortController().signal);
          const after = (await a.log.position()).last;
          followers.push({ type, since, before, after, c: collect(iterable) });
        }
      })();
      await Promise.all([writes, subscriptions]);
      const everything = await a.log.readAfter(0n, 100_000);
      for (const f of followers) {
        const ofType = everything.filter((e) => e.resourceType === f.type);
        const last = ofType.at(-1)!.eventNumber;
        await until(() => f.c.got.at(-1)?.eventNumber === last || f.c.state.done).catch(() => undefined);
      }
      await sleep(30); // nothing more arrives
      for (const f of followers) {
        await f.c.stop();
        const context = `seed ${seed * 7919}, ${f.type} since ${f.since} (log at ${f.before}..${f.after} around follow)`;
        expect(f.c.state.error, context).toBeUndefined();
        const ofType = everything.filter((e) => e.resourceType === f.type);
        const got = numbersOf(f.c.got);
        if (f.since !== undefined) {
          expect(got, context).toEqual(numbersOf(ofType.filter((e) => BigInt(e.eventNumber) > f.since!)));
        } else {
          // from "now": some point between the log's head before follow was called and when it had registered
          const k = got.length === 0 ? ofType.length : ofType.findIndex((e) => Number(e.eventNumber) === got[0]);
          expect(k, context).toBeGreaterThanOrEqual(0);
          expect(got, context).toEqual(numbersOf(ofType.slice(k)));
          if (k > 0) expect(BigInt(ofType[k - 1]!.eventNumber) <= f.after, context).toBe(true);
          if (k < ofType.length) expect(BigInt(ofType[k]!.eventNumber) > f.before, context).toBe(true);
        }
        expect(f.c.got.every((e) => e.resourceType === f.type), context).toBe(true);
      }
    }
  }, 60_000);

  it('return() ends a follower that is waiting for an event at once, as does aborting its signal', async () => {
    const { log } = await open(backend.fresh());
    const feed = await feedOver(log);
    const iterator = (await feed.follow('Patient', undefined, new AbortController().signal))[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await sleep(20);
    expect(feed.subscribers).toBe(1);
    const t0 = performance.now();
    await iterator.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(performance.now() - t0).toBeLessThan(50);
    expect(feed.subscribers).toBe(0);

    const abort = new AbortController();
    const second = (await feed.follow('Patient', undefined, abort.signal))[Symbol.asyncIterator]();
    const pending = second.next();
    abort.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(feed.subscribers).toBe(0);
    await feed.record([change()]); // nobody left to hear it
    expect(feed.queued).toBe(0);
  });

  it('a subscriber that falls too far behind gets EVENTS_OVERFLOW and its queue is released at once', async () => {
    const { log } = await open(backend.fresh());
    const feed = await feedOver(log, { maxQueued: 5 });
    const slow = (await feed.follow('Patient', undefined, new AbortController().signal))[Symbol.asyncIterator]();
    const keeping = collect(await feed.follow('Patient', undefined, new AbortController().signal));
    for (let i = 0; i < 4; i++) await feed.record([change()]);
    await until(() => keeping.got.length === 4);
    expect(feed.queued).toBe(4); // the slow one's
    await feed.record([change(), change(), change()]);
    await until(() => keeping.got.length === 7);
    expect(feed.subscribers).toBe(1); // the slow one was dropped
    expect(feed.queued).toBe(0);
    // what it had was released; it learns why at its next pull, and resumes with _since from what it got
    const error = await rejection(slow.next());
    expect(error.code).toBe('EVENTS_OVERFLOW');
    const resumed = collect(await feed.follow('Patient', 0n, new AbortController().signal));
    await until(() => resumed.got.length === 7);
    expect(numbersOf(resumed.got)).toEqual(range(1, 7));
    await resumed.stop();
    await keeping.stop();
  });
});
