// Several replicas, as deployed: two gateway processes (`node src/main.ts`) on one database, in front of the same real
// FHIR server. A subscriber over SSE on either hears of every write made through either, in log order, once each —
// within a bounded time: through PostgreSQL LISTEN/NOTIFY, or Redis pub/sub (`REDIS_URL`), with the poll set to a
// minute so that only the bus can explain a quick delivery; and, for two processes sharing a SQLite file, through
// the poll alone. Prints the write -> delivery latency on the other replica for each.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { testBackends } from '../db/helpers.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { startUpstream } from '../helpers/upstream.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const backends = testBackends('replicas');
const pg = backends.find((b) => b.dialect === 'postgres')!;
const sqlite = backends.find((b) => b.dialect === 'sqlite')!;
const WRITES = 40;
const TRICKLE = 8;
/**
 * The bound on a delivery through a bus: far below the poll (a minute), and wide enough for a loaded 2-core machine
 * (typical figures are a few milliseconds: printed by each test).
 */
const BUS_BOUND_MS = 3_000;

let upstream: MemoryFhirServer;
let dir: string;
beforeAll(async () => {
  upstream = await startUpstream({ patients: 2 });
  dir = mkdtempSync(join(tmpdir(), 'gw-replicas-'));
});
afterAll(async () => {
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
}
const running: Replica[] = [];
const streams: SseSubscription[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await Promise.all(running.splice(0).map(stop));
});

/** `node src/main.ts` as deployed, on `database`, with an `events` config; resolves once it answers /ready. */
async function startReplica(database: string, events: Record<string, unknown>, env: Record<string, string> = {}): Promise<Replica> {
  const config = join(dir, `gateway-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(config, JSON.stringify({ events }));
  const child = spawn(process.execPath, [
    'src/main.ts', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', '--config', config,
    '--source', `hospital=${upstream.baseUrl}`, '--database-url', database,
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const replica = { child, output: () => output };
  running.push({ ...replica, url: '' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`the gateway did not start: ${output}`);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output)?.[1];
    if (url !== undefined && (await fetch(`${url}/ready`).then((r) => r.status, () => 0)) === 200) {
      running[running.length - 1] = { ...replica, url };
      return { ...replica, url };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill('SIGTERM');
  const timer = setTimeout(() => replica.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface Delivery {
  readonly eventNumber: string;
  readonly action: string;
  readonly id: string;
  /** performance.now() when the payload arrived. */
  readonly at: number;
}

/** A PatientChanged subscription over SSE from the log's start, each payload stamped with when it arrived. */
async function subscribe(replica: Replica): Promise<{ stream: SseSubscription; deliveries: Delivery[] }> {
  const stream = await subscribeSse(`${replica.url}/graphql`, 'subscription { PatientChanged(_since: "0") { eventNumber action id } }');
  streams.push(stream);
  expect(stream.status).toBe(200);
  const deliveries: Delivery[] = [];
  // The helper collects payloads in this array: stamp each as it is added.
  const push = stream.payloads.push.bind(stream.payloads);
  stream.payloads.push = (...items) => {
    for (const item of items) deliveries.push({ ...(item.data as { PatientChanged: Omit<Delivery, 'at'> }).PatientChanged, at: performance.now() });
    return push(...items);
  };
  return { stream, deliveries };
}

/** Creates a Patient through `replica`'s REST API; its id and when the answer (after the commit) arrived. */
async function create(replica: Replica, family: string): Promise<{ id: string; answered: number; via: Replica }> {
  const res = await fetch(`${replica.url}/fhir/Patient`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }),
  });
  const answered = performance.now();
  expect(res.status).toBe(201);
  return { id: ((await res.json()) as { id: string }).id, answered, via: replica };
}

async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return done();
}

function summary(ms: readonly number[]): string {
  const sorted = [...ms].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (n=${ms.length})`;
}

/**
 * Two replicas on `database`; subscribers on both; a warm-up write, then a burst of writes through both at once (four
 * writers). Every subscriber must get every event, in log order, once, numbered without gaps, within `boundMs` of
 * its write's answer; returns the latencies of the deliveries on the replica the write did not go through.
 */
async function burst(database: string, events: Record<string, unknown>, boundMs: number, env: Record<string, string> = {}): Promise<number[]> {
  const a = await startReplica(database, events, env);
  const b = await startReplica(database, events, env);
  const onA = await subscribe(a);
  const onB = await subscribe(b);
  const warmUp = await create(a, 'WarmUp');
  expect(await until(() => onA.deliveries.length === 1 && onB.deliveries.length === 1, boundMs + 5_000)).toBe(true);

  const writes: Array<Awaited<ReturnType<typeof create>>> = [];
  await Promise.all([0, 1, 2, 3].map(async (writer) => {
    for (let i = writer; i < WRITES; i += 4) {
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      writes.push(await create(i % 2 === 0 ? a : b, `Burst${i}`));
    }
  }));
  const total = WRITES + 1;
  await until(() => onA.deliveries.length >= total && onB.deliveries.length >= total, boundMs + 5_000);
  await new Promise((r) => setTimeout(r, 200)); // and nothing more arrives

  const ids = [warmUp.id, ...writes.map((w) => w.id)].sort();
  for (const [name, { deliveries, stream }] of [['A', onA], ['B', onB]] as const) {
    expect(stream.payloads.every((p) => p.errors === undefined), name).toBe(true);
    expect(deliveries.map((d) => Number(d.eventNumber)), name).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(deliveries.map((d) => d.id).sort(), name).toEqual(ids);
    expect(deliveries.every((d) => d.action === 'create'), name).toBe(true);
  }
  expect(onB.deliveries.map((d) => [d.eventNumber, d.id])).toEqual(onA.deliveries.map((d) => [d.eventNumber, d.id]));

  const arrival = (on: typeof onA, id: string) => on.deliveries.find((d) => d.id === id)!.at;
  const crossing = writes.map((w) => Math.max(0, arrival(w.via === a ? onB : onA, w.id) - w.answered));
  const local = writes.map((w) => Math.max(0, arrival(w.via === a ? onA : onB, w.id) - w.answered));
  expect(Math.max(...crossing)).toBeLessThan(boundMs);

  // Then a trickle through A alone, at random moments: B hears only through the bus or its poll (no write of its own
  // makes it look at the log meanwhile).
  const trickle: number[] = [];
  for (let i = 0; i < TRICKLE; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 1_000));
    const w = await create(a, `Trickle${i}`);
    expect(await until(() => onB.deliveries.some((d) => d.id === w.id), boundMs + 5_000)).toBe(true);
    trickle.push(Math.max(0, arrival(onB, w.id) - w.answered));
  }
  expect(Math.max(...trickle)).toBeLessThan(boundMs);
  expect(onB.deliveries.map((d) => Number(d.eventNumber))).toEqual(Array.from({ length: total + TRICKLE }, (_, i) => i + 1));
  console.log(`two gateway processes, ${JSON.stringify(events)}: write answered -> delivered on the other replica: during a burst through both ${summary(crossing)} (on the replica written to ${summary(local)}); one write at a time through A ${summary(trickle)}`);
  return trickle;
}

describe('two gateway processes on one database', () => {
  it('PostgreSQL LISTEN/NOTIFY: every write through either reaches the subscribers of both, in order, once, at once', async () => {
    await burst(pg.fresh(), { pollMs: 60_000 }, BUS_BOUND_MS);
    expect(running[0]!.output()).toMatch(/tell each other of new events by PostgreSQL LISTEN\/NOTIFY on postgres:\/\/postgres@127\.0\.0\.1:5432\/test\?schema=/);
  }, 90_000);

  it('Redis pub/sub (REDIS_URL): the same', async () => {
    await burst(pg.fresh(), { pollMs: 60_000, redisChannel: `gw-test:replicas:${randomBytes(4).toString('hex')}` }, BUS_BOUND_MS, { REDIS_URL });
    expect(running[0]!.output()).toMatch(/tell each other of new events by Redis pub\/sub on redis:\/\/127\.0\.0\.1:6379, channel gw-test:replicas:/);
  }, 90_000);

  it('a shared SQLite file and no bus: the same, by the poll (each second)', async () => {
    await burst(sqlite.fresh(), {}, 1_000 + BUS_BOUND_MS);
    expect(running[0]!.output()).not.toMatch(/tell each other/);
  }, 90_000);
});
