// The buses between replicas, in one process with a database connection per "replica": PostgreSQL LISTEN/NOTIFY and
// Redis pub/sub make another replica's events reach a follower at once (its poll is set to a minute here, so only the
// bus can explain a quick delivery), survive the loss of their connection, and never carry events themselves (the log
// does). Prints the delivery latency of each bus beside the poll alone.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { PgClient } from '../../src/db/pg-pool.ts';
import type { ChangeBus } from '../../src/events/change-bus.ts';
import { DurableChangeFeed } from '../../src/events/change-feed.ts';
import { ChangeLog } from '../../src/events/change-log.ts';
import { channelOf, pgNotifyBus } from '../../src/events/pg-notify-bus.ts';
import { redisBus } from '../../src/events/redis-bus.ts';
import type { ChangeEvent, NewChange } from '../../src/fhir/change-event.ts';
import { PG_URL, pgQuery, testBackends } from '../db/helpers.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgres = testBackends('replica_bus').find((b) => b.dialect === 'postgres')!;
const channelPrefix = `gw-test:${randomBytes(4).toString('hex')}`;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

let serial = 0;
const change = (): NewChange => {
  const id = `p-${++serial}`;
  return { action: 'create', sourceId: 'hospital', resourceType: 'Patient', id, versionId: null, resource: { resourceType: 'Patient', id } as NewChange['resource'], previous: null };
};

interface Replica {
  readonly db: Db;
  readonly feed: DurableChangeFeed;
  readonly got: Array<{ event: ChangeEvent; at: number }>;
}

/** A "replica": its own pool on the database, its own feed (and bus), and a follower collecting what it delivers. */
async function replica(url: string, bus: ChangeBus | undefined, pollMs: number): Promise<Replica> {
  const db = await openDatabase(url);
  const feed = await DurableChangeFeed.open(new ChangeLog(db), { pollMs, ...(bus && { bus }) });
  closers.push(() => db.close(), () => feed.close());
  const got: Replica['got'] = [];
  const iterator = (await feed.follow('Patient', undefined, new AbortController().signal))[Symbol.asyncIterator]();
  void (async () => {
    for (;;) {
      const r = await iterator.next();
      if (r.done === true) return;
      got.push({ event: r.value, at: performance.now() });
    }
  })();
  return { db, feed, got };
}

/**
 * Records `count` events on A one at a time, each after a random pause of up to `spreadMs` (so that a poll is met at
 * every phase), and returns how long each took from its commit to B's follower.
 */
async function latencies(a: Replica, b: Replica, count: number, spreadMs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(Math.random() * spreadMs);
    const before = b.got.length;
    await a.feed.record([change()]);
    const committed = performance.now();
    await until(() => b.got.length > before, 10_000);
    out.push(b.got[before]!.at - committed);
  }
  return out;
}

function summary(ms: readonly number[]): string {
  const sorted = [...ms].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (n=${ms.length})`;
}

/** A's events reach B once each, in log order. */
function expectSameStream(a: Replica, b: Replica): void {
  const numbers = (r: Replica) => r.got.map((g) => g.event.eventNumber);
  expect(numbers(b)).toEqual(numbers(a));
  expect(new Set(numbers(b)).size).toBe(b.got.length);
}

/** The channel of a schema's change log, as a gateway computes it. */
async function channel(connectionString: string, schema: string | undefined): Promise<string> {
  const client = new PgClient({ connectionString });
  await client.connect();
  try {
    return await channelOf(client, schema);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL LISTEN/NOTIFY between replicas', () => {
  it("another replica's events reach a follower at once, in order, once each; the poll alone takes up to its interval", async () => {
    const url = postgres.fresh();
    const busA = pgNotifyBus(url);
    const busB = pgNotifyBus(url);
    const a = await replica(url, busA, 60_000);
    const b = await replica(url, busB, 60_000);
    await until(() => busA.connected && busB.connected);
    const notify = await latencies(a, b, 40, 5);
    await Promise.all([a.feed.record([change(), change()]), b.feed.record([change()]), a.feed.record([change()])]); // both ways at once
    await until(() => a.got.length === 44 && b.got.length === 44);
    expectSameStream(a, b);
    expect(Math.max(...notify)).toBeLessThan(3_000);

    const polled = await replica(url, undefined, 1_000); // the default poll, no bus
    const poll = await latencies(a, polled, 8, 1_000);
    console.log(`replica delivery, PostgreSQL NOTIFY: ${summary(notify)}; poll alone (1000 ms): ${summary(poll)}`);
  }, 60_000);

  it('the channel is the database and schema, whatever the URL says; another schema has its own', async () => {
    const url = postgres.fresh();
    const schema = new URL(url).searchParams.get('schema')!;
    const viaLocalhost = PG_URL.replace('127.0.0.1', 'localhost');
    expect(await channel(viaLocalhost, schema)).toBe(await channel(PG_URL, schema));
    expect(await channel(PG_URL, `${schema}_other`)).not.toBe(await channel(PG_URL, schema));
    expect(await channel(PG_URL, schema)).toMatch(/^gw_changes_[0-9a-f]{24}$/);
  });

  it('a lost LISTEN connection is opened again, and the replica hears at once again', async () => {
    const url = postgres.fresh();
    const logged: string[] = [];
    const busB = pgNotifyBus(url, { log: (_level, message) => logged.push(message), minReconnectMs: 20 });
    const a = await replica(url, pgNotifyBus(url), 60_000);
    const b = await replica(url, busB, 60_000);
    await until(() => busB.connected);
    await latencies(a, b, 2, 5);
    // the server ends B's listening connection, as a restart or a network cut would (A's last statement was a NOTIFY)
    const listening = await channel(PG_URL, new URL(url).searchParams.get('schema')!);
    const ended = await pgQuery("select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'fhir-graphql-gateway changes%' and query = $1", [`listen "${listening}"`]);
    expect(ended).toHaveLength(1);
    await until(() => !busB.connected);
    await a.feed.record([change()]); // announced while B does not listen: B looks when it is back
    await until(() => busB.connected);
    await until(() => b.got.length === 3);
    const after = await latencies(a, b, 3, 5);
    expect(Math.max(...after)).toBeLessThan(3_000);
    expectSameStream(a, b);
    expect(logged.join('\n')).toMatch(/LISTEN connection to postgres:\/\/postgres@127\.0\.0\.1:5432\/test\?schema=\S+ was lost/);
    expect(logged.join('\n')).toMatch(/listening again/);
  }, 30_000);
});

describe('Redis pub/sub between replicas', () => {
  it("another replica's events reach a follower at once, in order, once each", async () => {
    const url = postgres.fresh();
    const channel = `${channelPrefix}:a`;
    const busA = redisBus(REDIS_URL, { channel });
    const busB = redisBus(REDIS_URL, { channel });
    const a = await replica(url, busA, 60_000);
    const b = await replica(url, busB, 60_000);
    await until(() => busA.connected && busB.connected);
    await sleep(50); // subscribed
    const redis = await latencies(a, b, 40, 5);
    await Promise.all([a.feed.record([change(), change()]), b.feed.record([change()])]);
    await until(() => a.got.length === 43 && b.got.length === 43);
    expectSameStream(a, b);
    expect(Math.max(...redis)).toBeLessThan(3_000);
    console.log(`replica delivery, Redis pub/sub: ${summary(redis)}`);
  }, 60_000);

  it('a killed Redis connection is opened again and subscribed again', async () => {
    const url = postgres.fresh();
    const channel = `${channelPrefix}:b`;
    const busB = redisBus(REDIS_URL, { channel, maxReconnectMs: 50 });
    const a = await replica(url, redisBus(REDIS_URL, { channel }), 60_000);
    const b = await replica(url, busB, 60_000);
    await until(() => busB.connected);
    await sleep(50);
    await latencies(a, b, 2, 5);
    const admin = new Redis(REDIS_URL);
    closers.push(async () => admin.disconnect());
    const clients = String(await admin.client('LIST')).split('\n').filter((line) => / name=fhir-graphql-gateway-changes-/.test(line) && / cmd=subscribe /.test(line));
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const line of clients) await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
    await until(() => !busB.connected).catch(() => undefined); // may already be back
    await until(() => busB.connected);
    await sleep(50); // subscribed again
    await a.feed.record([change()]);
    await until(() => b.got.length === 3, 2_000); // the bus, not the poll (a minute)
    const after = await latencies(a, b, 3, 5);
    expect(Math.max(...after)).toBeLessThan(3_000);
    expectSameStream(a, b);
  }, 30_000);
});
