// Resume at scale (issue 12): 10,000 Observation events written through a `node src/main.ts` child process on an
// SQLite file (and a real upstream), while a graphql-ws subscriber and an SSE subscriber hang up at random points
// (seeded: the seed is printed, and RESUME_SEED=<n> repeats the plan, not the timing) and resume with `_since` = the
// last eventNumber they handled, and the gateway is stopped with SIGTERM once and killed with SIGKILL twice
// mid-stream, then started again on the same file (and port). The truth is the SQLite file itself: each subscriber
// must have received exactly its Observation events — none lost, none twice, the right ids, each connection strictly
// increasing after its `_since` — and a fresh `_since: "0"` subscriber must replay them all, in order, on one
// connection. Patient creates are interleaved, so a resume also skips events of other types. Prints its numbers
// (BENCHMARKS.md, issue 12).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { startUpstream } from '../helpers/upstream.ts';
import { createRng } from '../hostile/fuzz/prng.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 10_000; // Observation creates answered (each one event)
const BATCH = 25; // creates per mutation (the default alias limit is 30); every 4th mutation adds a Patient
const WRITERS = 3; // mutations in flight
const RESTARTS: ReadonlyArray<readonly [NodeJS.Signals, number]> = [['SIGTERM', 0.22], ['SIGKILL', 0.48], ['SIGKILL', 0.74]];
const SEED = Number(process.env['RESUME_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const QUERY = 'subscription($since: String) { ObservationChanged(_since: $since) { eventNumber action id } }';
/** Codes a subscription may legitimately end with here (the gateway stopping; a subscriber dropped as too slow). */
const ENDINGS = new Set(['EVENTS_UNAVAILABLE', 'EVENTS_OVERFLOW']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One seeded stream per actor, so that their plans do not depend on the interleaving. */
const prng = (seed: number): (() => number) => createRng(seed).next;

const freePort = () => new Promise<number>((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  });
});

/** The gateway as `npm start` runs it, restarted on the same database file and (when it is still free) port. */
class GatewayProcess {
  port = 0;
  stderr = '';
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  readonly database: string;
  readonly upstream: string;
  constructor(database: string, upstream: string) {
    this.database = database;
    this.upstream = upstream;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** Resolves once /ready answers 200 (at most 20 s). */
  async start(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.port === 0 || attempt > 0) this.port = await freePort();
      const child = spawn(process.execPath, ['src/main.ts', '--host', '127.0.0.1', '--port', String(this.port), '--log-level', 'error', '--source', `hospital=${this.upstream}`, '--database-url', this.database], {
        cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '' },
      });
      child.stderr!.on('data', (d: Buffer) => void (this.stderr = (this.stderr + String(d)).slice(-4_000)));
      this.#child = child;
      this.#exited = new Promise((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 20_000;
      while (child.exitCode === null && Date.now() < deadline) {
        try {
          if ((await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(5_000) })).status === 200) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      if (child.exitCode !== 2) break; // 2: the port was taken meanwhile; try another
    }
    await this.stop('SIGKILL');
    throw new Error(`the gateway did not become ready: ${this.stderr}`);
  }
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(force);
  }
}

interface Connection {
  readonly since: bigint;
  readonly numbers: bigint[];
}

/** One subscriber that keeps resuming: every event it handled, per connection, and how its connections ended. */
interface Feed {
  readonly name: string;
  last: string;
  /** Subscribed right now (acked / the stream's answer received). */
  live: boolean;
  readonly events: Array<{ readonly n: bigint; readonly id: string }>;
  readonly connections: Connection[];
  readonly ends: Record<'client' | 'server' | 'error' | 'refused' | 'done', number>;
  readonly errors: string[];
  /** Close codes and reasons of the connections the gateway closed. */
  readonly closes: string[];
}
type Ending = keyof Feed['ends'];

const newFeed = (name: string): Feed => ({ name, last: '0', live: false, events: [], connections: [], ends: { client: 0, server: 0, error: 0, refused: 0, done: 0 }, errors: [], closes: [] });

/** Handles one `next` payload; false when it ended the connection (an error). */
function handle(feed: Feed, conn: Connection, payload: { data?: { ObservationChanged?: { eventNumber: string; id: string } }; errors?: Array<{ extensions?: { code?: string } }> }): boolean {
  if (payload.errors !== undefined) {
    feed.errors.push(...payload.errors.map((e) => e.extensions?.code ?? 'NO_CODE'));
    return false;
  }
  const e = payload.data!.ObservationChanged!;
  const n = BigInt(e.eventNumber);
  conn.numbers.push(n);
  feed.events.push({ n, id: e.id });
  feed.last = e.eventNumber;
  return true;
}

/** When a connection should hang up by itself: after `after` events (0: right after subscribing), and how. */
interface Plan {
  readonly after: number;
  readonly how: 'close' | 'terminate' | 'complete';
}
const planOf = (rand: () => number): Plan => ({
  after: rand() < 0.1 ? 0 : 1 + Math.floor(rand() * 700),
  how: (['close', 'terminate', 'complete'] as const)[Math.floor(rand() * 3)]!,
});

/** Past it, every connection gives up (the test then fails with what was received so far). */
let giveUpAt = Infinity;
const sockets = new Set<WebSocket>();
const aborts = new Set<AbortController>();

/** One graphql-transport-ws connection over raw `ws`, subscribed from `conn.since`. */
function wsOnce(url: string, feed: Feed, conn: Connection, plan: Plan, finished: () => boolean): Promise<Ending> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { handshakeTimeout: 3_000 });
    sockets.add(ws);
    let ended: Ending | undefined;
    let count = 0;
    let acked = false;
    const end = (how: Ending) => {
      if (ended !== undefined) return;
      ended = how;
      feed.live = false;
      clearInterval(tick);
      clearTimeout(ackTimer);
      resolve(how);
    };
    const hangUp = (how: Ending, style: Plan['how']) => {
      end(how);
      if (style === 'terminate') return ws.terminate();
      if (style === 'complete' && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: '1', type: 'complete' }));
      ws.close(1000);
    };
    const ackTimer = setTimeout(() => !acked && (end('refused'), ws.terminate()), 5_000);
    // the end of the run: the subscriber has every event; stay a moment longer (a repeat would show), then leave
    let doneAt: number | undefined;
    const tick = setInterval(() => {
      if (Date.now() > giveUpAt) return hangUp('error', 'terminate');
      if (!finished()) return;
      doneAt ??= Date.now();
      if (Date.now() - doneAt >= 300) hangUp('done', 'close');
    }, 25);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (raw) => {
      if (ended !== undefined) return; // the client has hung up: what still arrives was never handled
      const msg = JSON.parse(String(raw)) as { type: string; payload?: any };
      if (msg.type === 'connection_ack') {
        acked = true;
        feed.live = true;
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { since: conn.since.toString() } } }));
        if (plan.after === 0) setTimeout(() => hangUp('client', plan.how), Math.floor(Math.random() * 30));
      } else if (msg.type === 'next') {
        if (!handle(feed, conn, msg.payload)) hangUp('error', 'close');
        else if (++count === plan.after) hangUp('client', plan.how);
      } else if (msg.type === 'error') {
        handle(feed, conn, { errors: msg.payload });
        hangUp('error', 'close');
      } else if (msg.type === 'complete') {
        hangUp('server', 'close');
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      sockets.delete(ws);
      if (ended === undefined && acked) feed.closes.push(`${code} ${String(reason)}`.trim());
      end(acked ? 'server' : 'refused');
    });
  });
}

/** One SSE stream (POST /graphql, Accept: text/event-stream), subscribed from `conn.since`. */
async function sseOnce(url: string, feed: Feed, conn: Connection, plan: Plan, finished: () => boolean): Promise<Ending> {
  const abort = new AbortController();
  aborts.add(abort);
  let ended: Ending | undefined;
  const hangUp = (how: Ending) => {
    ended ??= how;
    abort.abort();
  };
  let doneAt: number | undefined;
  const tick = setInterval(() => {
    if (Date.now() > giveUpAt) return hangUp('error');
    if (!finished()) return;
    doneAt ??= Date.now();
    if (Date.now() - doneAt >= 300) hangUp('done');
  }, 25);
  let opened = false;
  try {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      signal: abort.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: QUERY, variables: { since: conn.since.toString() } }),
    });
    opened = true;
    feed.live = true;
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      handle(feed, conn, (await res.json()) as never);
      return 'error';
    }
    if (plan.after === 0) setTimeout(() => hangUp('client'), Math.floor(Math.random() * 30));
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let count = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return ended ?? 'server';
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (ended !== undefined) return ended; // hung up: the rest was never handled
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = message.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (event === 'complete') return 'server';
        if (event !== 'next' || data === '') continue;
        if (!handle(feed, conn, JSON.parse(data))) hangUp('error');
        else if (++count === plan.after) hangUp('client');
      }
    }
  } catch {
    return ended ?? (opened ? 'server' : 'refused');
  } finally {
    feed.live = false;
    clearInterval(tick);
    aborts.delete(abort);
    abort.abort();
  }
}

type Once = (url: string, feed: Feed, conn: Connection, plan: Plan, finished: () => boolean) => Promise<Ending>;

/** Subscribes, hangs up by plan, resumes with `_since` = the last event handled — until it has `final()`. */
async function follow(feed: Feed, once: Once, gateway: GatewayProcess, rand: () => number, final: () => bigint | undefined, deadline: number): Promise<void> {
  const finished = () => final() !== undefined && BigInt(feed.last) >= final()!;
  let plan = planOf(rand);
  while (!finished()) {
    if (Date.now() > deadline) throw new Error(`${feed.name}: not finished by the deadline (last ${feed.last}, final ${final()})`);
    const conn: Connection = { since: BigInt(feed.last), numbers: [] };
    const ending = await once(gateway.url, feed, conn, plan, finished);
    feed.ends[ending]++;
    const unexpected = feed.errors.filter((code) => !ENDINGS.has(code));
    if (unexpected.length > 0) throw new Error(`${feed.name}: the subscription from _since ${conn.since} failed with ${unexpected.join(', ')}`);
    if (ending === 'refused') {
      await sleep(100); // the gateway is restarting: the same plan on the next connection
      continue;
    }
    feed.connections.push(conn);
    plan = planOf(rand);
    await sleep(Math.floor(rand() * 100));
  }
}

interface Produced {
  /** Answered creates whose event the gateway logged (no CHANGE_NOT_LOGGED). */
  readonly answered: Array<{ readonly type: string; readonly id: string }>;
  observations: number;
  failedRequests: number;
  notLogged: number;
  readonly errorCodes: string[];
}

const observation = (i: number) => ({ resourceType: 'Observation', status: 'final', code: { text: `resume-${i}` }, subject: { reference: 'Patient/pat-0001' } });
const mutationOf = (withPatient: boolean) => `mutation(${[...Array.from({ length: BATCH }, (_, j) => `$o${j}: ObservationCreate!`), ...(withPatient ? ['$p: PatientCreate!'] : [])].join(', ')}) { ${
  [...Array.from({ length: BATCH }, (_, j) => `o${j}: ObservationCreate(res: $o${j}) { id }`), ...(withPatient ? ['p: PatientCreate(res: $p) { id }'] : [])].join(' ')} }`;
const MUTATIONS = [mutationOf(false), mutationOf(true)] as const;

/** Writes until EVENTS Observation creates were answered, WRITERS mutations at a time; failures (restarts) wait and go on. */
async function produce(gateway: GatewayProcess, produced: Produced, deadline: number): Promise<void> {
  let batch = 0;
  const writer = async () => {
    while (produced.observations < EVENTS) {
      if (Date.now() > deadline) throw new Error(`production not finished by the deadline (${produced.observations} answered)`);
      const b = batch++;
      const withPatient = b % 4 === 0;
      const variables: Record<string, unknown> = Object.fromEntries(Array.from({ length: BATCH }, (_, j) => [`o${j}`, observation(b * BATCH + j)]));
      if (withPatient) variables['p'] = { resourceType: 'Patient', name: [{ family: `Resume${b}` }] };
      try {
        const res = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          signal: AbortSignal.timeout(15_000),
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query: MUTATIONS[withPatient ? 1 : 0], variables }),
        });
        const body = (await res.json()) as { data?: Record<string, { id: string } | null> | null; errors?: Array<{ extensions?: { code?: string } }>; extensions?: { warnings?: Array<{ code: string; path?: unknown[] }> } };
        produced.errorCodes.push(...(body.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE'));
        const notLogged = new Set((body.extensions?.warnings ?? []).filter((w) => w.code === 'CHANGE_NOT_LOGGED').map((w) => String(w.path?.[0])));
        for (const [alias, value] of Object.entries(body.data ?? {})) {
          if (value?.id === undefined) continue;
          if (alias.startsWith('o')) produced.observations++;
          if (notLogged.has(alias)) produced.notLogged++;
          else produced.answered.push({ type: alias === 'p' ? 'Patient' : 'Observation', id: value.id });
        }
      } catch {
        produced.failedRequests++; // the gateway went away under the request (what it committed is in the log)
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

/** The change log as the SQLite file holds it (read-only, beside the running gateway or after it). */
function readLog(file: string): Array<{ n: bigint; type: string; id: string }> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    const rows = db.prepare('SELECT event_number, resource_type, resource_id FROM change_event ORDER BY event_number').all() as Array<{ event_number: number; resource_type: string; resource_id: string }>;
    return rows.map((r) => ({ n: BigInt(r.event_number), type: r.resource_type, id: r.resource_id }));
  } finally {
    db.close();
  }
}

/** What a subscriber got against the truth: lost, repeated, foreign (not a logged Observation), wrong ids, out of order. */
function audit(feed: Feed, truth: ReadonlyMap<bigint, string>) {
  const seen = new Map<bigint, number>();
  for (const e of feed.events) seen.set(e.n, (seen.get(e.n) ?? 0) + 1);
  const unordered = feed.connections.filter((c) => c.numbers.some((n, i) => n <= (i === 0 ? c.since : c.numbers[i - 1]!)));
  return {
    received: feed.events.length,
    lost: [...truth.keys()].filter((n) => !seen.has(n)).length,
    duplicated: [...seen.values()].reduce((sum, k) => sum + k - 1, 0),
    foreign: [...seen.keys()].filter((n) => !truth.has(n)).length,
    wrongId: feed.events.filter((e) => truth.has(e.n) && truth.get(e.n) !== e.id).length,
    unorderedConnections: unordered.length,
  };
}

let upstream: MemoryFhirServer | undefined;
let gateway: GatewayProcess | undefined;
let dir: string | undefined;
/** What the first test leaves to the second: the gateway still running on the file, and the file's Observation events. */
let after10k: { readonly gw: GatewayProcess; readonly final: bigint; readonly truth: ReadonlyMap<bigint, string> } | undefined;
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  for (const a of aborts) a.abort();
  await gateway?.stop('SIGTERM');
  await upstream?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('resuming a subscription at scale', () => {
  it(`${EVENTS} events, random disconnects, a restart and kill -9: nothing lost, nothing twice (graphql-ws and SSE)`, { timeout: 85_000 }, async () => {
    const started = Date.now();
    const deadline = started + 75_000;
    giveUpAt = deadline;
    console.log(`resume-10k: seed ${SEED} (RESUME_SEED=${SEED} repeats the disconnect plan, not the timing)`);
    upstream = await startUpstream({ patients: 1 });
    // tmpfs when there is one: a kill -9 is a process crash (what the process wrote survives it; fsync is about power
    // loss), and SQLite's commits then cost no disk flush — 10,000 of them are the bulk of the run on a slow disk
    dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'resume-10k-'));
    const file = join(dir, 'gateway.db');
    gateway = new GatewayProcess(`sqlite:${file}`, upstream.baseUrl);
    await gateway.start();
    const gw = gateway;

    const chaosRand = prng(SEED + 3);
    let final: bigint | undefined;
    const ws = newFeed('graphql-ws');
    const sse = newFeed('sse');
    const following = [follow(ws, wsOnce, gw, prng(SEED + 1), () => final, deadline), follow(sse, sseOnce, gw, prng(SEED + 2), () => final, deadline)];
    following.forEach((p) => p.catch(() => undefined)); // awaited below; a failure meanwhile is not unhandled

    const produced: Produced = { answered: [], observations: 0, failedRequests: 0, notLogged: 0, errorCodes: [] };
    const restarts: Array<{ signal: string; atObservations: number; downMs: number }> = [];
    const chaos = (async () => {
      for (const [signal, at] of RESTARTS) {
        const threshold = Math.floor(EVENTS * (at + chaosRand() * 0.06));
        while (produced.observations < threshold) {
          if (Date.now() > deadline) throw new Error('the restarts did not happen by the deadline');
          await sleep(5);
        }
        // both subscribers attached (at most 2 s more), so that the stop cuts their streams mid-way
        for (const until = Date.now() + 2_000; !(ws.live && sse.live) && Date.now() < until;) await sleep(5);
        const down = Date.now();
        const atObservations = produced.observations;
        await gw.stop(signal);
        await gw.start();
        restarts.push({ signal, atObservations, downMs: Date.now() - down });
      }
    })();
    await Promise.all([produce(gw, produced, deadline), chaos]);
    const producedMs = Date.now() - started;

    // Nothing is written any more: the last Observation event in the file is what every subscriber must reach.
    const atEnd = readLog(file);
    final = atEnd.filter((e) => e.type === 'Observation').at(-1)!.n;
    await Promise.all(following);

    // A fresh subscriber from the start of the log replays every Observation event, in order, on one connection.
    const replay = newFeed('replay over SSE');
    const replayConn: Connection = { since: 0n, numbers: [] };
    replay.connections.push(replayConn);
    const replayEnding = await sseOnce(gw.url, replay, replayConn, { after: -1, how: 'close' }, () => BigInt(replay.last) >= final!);

    const log = readLog(file);
    expect(log).toEqual(atEnd); // nothing was logged after the writers finished
    expect(log.map((e) => e.n)).toEqual(log.map((_, i) => BigInt(i + 1))); // gapless from 1
    const truth = new Map(log.filter((e) => e.type === 'Observation').map((e) => [e.n, e.id] as const));
    const logged = new Set(log.map((e) => `${e.type}/${e.id}`));
    const unloggedAnswers = produced.answered.filter((a) => !logged.has(`${a.type}/${a.id}`));
    after10k = { gw, final, truth };

    const results = { 'graphql-ws': audit(ws, truth), sse: audit(sse, truth), replay: audit(replay, truth) };
    const durationMs = Date.now() - started;
    console.log(`resume-10k: seed ${SEED}, ${os()}; log ${log.length} events (${truth.size} Observation, ${log.length - truth.size} Patient); `
      + `${produced.observations} Observation creates answered (${truth.size - produced.observations} logged but never answered: cut by a stop), ${produced.failedRequests} mutations failed (gateway down or stopped under them), ${produced.notLogged} answered CHANGE_NOT_LOGGED; `
      + `restarts ${restarts.map((r) => `${r.signal} at ${r.atObservations} (down ${r.downMs} ms)`).join(', ')}; production ${producedMs} ms, total ${durationMs} ms`);
    for (const feed of [ws, sse]) {
      const r = results[feed.name as 'graphql-ws' | 'sse'];
      console.log(`resume-10k: ${feed.name}: ${feed.connections.length} connections (client hang-ups ${feed.ends.client}, ended by the gateway ${feed.ends.server}, errors ${feed.ends.error} [${[...new Set(feed.errors)].join(' ')}], refused ${feed.ends.refused}, closes [${[...new Set(feed.closes)].join(', ')}]); `
        + `received ${r.received}, lost ${r.lost}, duplicated ${r.duplicated}, foreign ${r.foreign}, wrong id ${r.wrongId}, connections out of order ${r.unorderedConnections}`);
    }
    console.log(`resume-10k: ${replay.name} from _since 0 on one connection: received ${results.replay.received}, lost ${results.replay.lost}, duplicated ${results.replay.duplicated}, ended ${replayEnding} ${replay.errors.join(' ')}`);

    expect(truth.size).toBeGreaterThanOrEqual(EVENTS);
    expect(unloggedAnswers).toEqual([]); // committed before answered
    expect(restarts.map((r) => r.signal)).toEqual(RESTARTS.map(([s]) => s));
    expect(produced.errorCodes).toEqual([]);
    for (const r of Object.values(results)) expect(r).toEqual({ received: truth.size, lost: 0, duplicated: 0, foreign: 0, wrongId: 0, unorderedConnections: 0 });
    expect(replayEnding).toBe('done');
    expect(replay.events.map((e) => e.n)).toEqual([...truth.keys()]);
    for (const feed of [ws, sse]) {
      expect(feed.errors.filter((code) => !ENDINGS.has(code))).toEqual([]);
      expect(feed.ends.client).toBeGreaterThanOrEqual(10); // hung up by itself, at random points
      expect(feed.ends.server).toBeGreaterThanOrEqual(1); // and cut by the gateway's restarts
    }
    expect(durationMs).toBeLessThan(80_000);
  });

  // A replay far behind, over graphql-ws: a `_since` subscription is a stream of its own (src/ws/subscription-groups.ts)
  // paced by its reader, so the events already in the log never fill the connection's backlog (4413) however many
  // they are; it failed so before the pump waited for its fastest member.
  it('a graphql-ws subscriber replays the same events from _since 0 on one connection', { timeout: 30_000 }, async () => {
    const { gw, final, truth } = after10k!;
    giveUpAt = Date.now() + 25_000;
    const replay = newFeed('replay over graphql-ws');
    const conn: Connection = { since: 0n, numbers: [] };
    replay.connections.push(conn);
    const ending = await wsOnce(gw.url, replay, conn, { after: -1, how: 'close' }, () => BigInt(replay.last) >= final);
    const r = audit(replay, truth);
    console.log(`resume-10k: ${replay.name} from _since 0 on one connection: received ${r.received}, lost ${r.lost}, duplicated ${r.duplicated}, ended ${ending} ${[...replay.closes, ...replay.errors].join(' ')}`);
    expect(ending).toBe('done');
    expect(replay.events.map((e) => e.n)).toEqual([...truth.keys()]);
  });
});

function os(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.versions.node}`;
}
