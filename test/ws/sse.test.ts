// GraphQL over SSE, both ways the gateway serves it, over real sockets: yoga's built-in SSE (POST /graphql with
// `Accept: text/event-stream`) and the graphql-sse protocol's distinct connections mode (/graphql/stream). An idle
// stream gets a keep-alive comment (`:`) at least every 15 s; the token is the Authorization header's (401 without);
// a stream ends at its token's exp with an UNAUTHENTICATED error and nothing after; graphql-sse keeps the /graphql
// CSRF rule and has its single connection mode off. Errors — before a stream, in its events, and the feed ending it —
// are the ones /graphql answers as JSON: the same code, message and OperationOutcome, masked and logged the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { YogaLogger } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { ChangeLog } from '../../src/events/change-log.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { until } from './ws-helpers.ts';

type Json = Record<string, any>;
let open: Fixture;
let issuer: SmartIssuer;
let secured: Fixture;
/** A gateway whose change log is a SQLite file the tests write to as another replica would; it never polls the log. */
let logged: Fixture;
let replica: Db;
const dir = mkdtempSync(join(tmpdir(), 'sse-test-'));
const streams: SseSubscription[] = [];
const aborts: AbortController[] = [];
const lines: string[] = [];
const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
const logger: YogaLogger = { debug: () => undefined, info: () => undefined, warn: capture, error: capture };
beforeAll(async () => {
  open = await startFixture({ sources: { hospital: { patients: 3, idPrefix: 'h' } }, logger });
  issuer = await startSmartIssuer(() => `${secured.url}/fhir`);
  secured = await startFixture({ sources: { clinic: { patients: 3, idPrefix: 'c' } }, argv: ['--auth-issuer', issuer.issuer] });
  const file = `sqlite:${join(dir, 'gateway.db')}`;
  logged = await startFixture({ sources: { ward: { patients: 2, idPrefix: 'w' } }, argv: ['--database-url', file], config: { events: { pollMs: 600_000 } } });
  replica = await openDatabase(file);
});
afterAll(async () => {
  for (const s of streams) s.close();
  for (const a of aborts) a.abort();
  await open?.stop();
  await secured?.stop();
  await logged?.stop();
  await replica?.close();
  await issuer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function subscribe(f: Fixture, path: '/graphql' | '/graphql/stream', query: string, headers?: Record<string, string>) {
  const s = await subscribeSse(`${f.url}${path}`, query, headers ? { headers } : {});
  streams.push(s);
  await new Promise((r) => setTimeout(r, 200)); // registered before the writes that follow
  return s;
}
const bearer = async (claims: Record<string, unknown>) => `Bearer ${await issuer.sign(claims)}`;
async function write(f: Fixture, path: string, body: unknown, authorization?: string): Promise<{ id: string }> {
  const res = await f.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}
const observation = (patient: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: `Patient/${patient}` } });

/** The raw text of an SSE response as it streams, and a way to stop reading it. */
async function rawStream(url: string, init: RequestInit): Promise<{ status: number; text: () => string; stop: () => void }> {
  const abort = new AbortController();
  aborts.push(abort);
  const res = await fetch(url, { ...init, signal: abort.signal });
  let text = '';
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    } catch {
      // stopped
    }
  })();
  return { status: res.status, text: () => text, stop: () => abort.abort() };
}
const comments = (text: string) => text.split('\n\n').filter((block) => block === ':').length;

const SSE_ROUTES = ['/graphql', '/graphql/stream'] as const;
/** The body /graphql answers as JSON to `query` (a subscription too: its errors before any event). */
async function overJson(f: Fixture, query: string): Promise<Json> {
  const res = await f.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });
  return (await res.json()) as Json;
}
/** What an error says, wherever in a document it stands (its locations and path left out). */
const said = (e: Json) => ({ message: e['message'], extensions: e['extensions'] });
const outcome = (code: string, diagnostics: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] });

describe('graphql-sse (distinct connections mode) at /graphql/stream', () => {
  it('a subscription hears of a REST write, resolved with its selection set (the subject reference too)', async () => {
    const s = await subscribe(open, '/graphql/stream', 'subscription { ObservationChanged { action id resource { subject { resource { ... on Patient { id } } } } } }');
    expect(s.status).toBe(200);
    const created = await write(open, '/fhir/Observation', observation('h-pat-0002'));
    const [event] = await s.waitFor(1);
    expect(event).toEqual({ data: { ObservationChanged: { action: 'create', id: created.id, resource: { subject: { resource: { id: 'h-pat-0002' } } } } } });
  });

  it('a query, and errors written as /graphql writes them (OperationOutcome, no internal extensions)', async () => {
    const q = await subscribe(open, '/graphql/stream', '{ PatientList(_count: 1) { id } }');
    expect(await q.waitFor(1)).toEqual([{ data: { PatientList: [{ id: expect.any(String) }] } }]);
    expect(await q.waitForEnd()).toBe(true);
    const bad = await subscribe(open, '/graphql/stream', '{ PatientList { nope } }');
    const [payload] = await bad.waitFor(1);
    const overHttp = (await (await open.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ PatientList { nope } }' }) })).json()) as Json;
    expect(payload).toEqual(overHttp);
    expect(payload!.errors![0]!.extensions!['resource']).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('CSRF: a POST that is not application/json is 415 — `text/plain; application/json` too — and nothing is written', async () => {
    open.resetCalls();
    for (const type of ['text/plain; application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await open.fetch('/graphql/stream', {
        method: 'POST',
        headers: { 'content-type': type, accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'mutation { PatientCreate(res: { name: [{ family: "Csrf" }] }) { id } }' }),
      });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as Json)['errors'][0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    // a GET never mutates (yoga's rule, in the pipeline's parse): the stream's one event is the refusal
    const get = await open.fetch(`/graphql/stream?query=${encodeURIComponent('mutation { PatientCreate(res: { name: [{ family: "Csrf" }] }) { id } }')}`, { headers: { accept: 'text/event-stream' } });
    expect(await get.text()).toMatch(/event: next\ndata: \{"errors":\[\{"message":"Can only perform a mutation operation from a POST request\.".*\nevent: complete/s);
    expect(open.writes()).toEqual([]);
  });

  it('the single connection mode is off: reserving a stream is 404, an operation for a stream token is 404', async () => {
    const put = await open.fetch('/graphql/stream', { method: 'PUT' });
    expect(put.status).toBe(404);
    const op = await open.fetch('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': 'guessed', accept: 'application/json' },
      body: JSON.stringify({ query: '{ PatientList { id } }', extensions: { operationId: '1' } }),
    });
    expect(op.status).toBe(404);
  });

  it('an idle stream gets a keep-alive comment every 12 s (graphql-sse\'s fixed interval, timers advanced here)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const stream = await rawStream(`${open.url}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { PatientChanged { id } }' }),
      });
      expect(stream.status).toBe(200);
      // (vi.waitFor would advance the fake timers itself: polled with the real setTimeout instead)
      await until(() => comments(stream.text()) === 1, 'the opening comment');
      vi.advanceTimersByTime(11_999);
      await new Promise((r) => setTimeout(r, 100));
      expect(comments(stream.text())).toBe(1);
      vi.advanceTimersByTime(1);
      await until(() => comments(stream.text()) === 2, 'a keep-alive comment at 12 s');
      vi.advanceTimersByTime(12_000);
      await until(() => comments(stream.text()) === 3, 'another at 24 s');
      stream.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('yoga\'s built-in SSE at /graphql', () => {
  it('an idle stream gets keep-alive comments (yoga: every 12 s; every 300 ms under NODE_ENV=test, as vitest runs)', async () => {
    expect(process.env['NODE_ENV']).toBe('test');
    const stream = await rawStream(`${open.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { PatientChanged { id } }' }),
    });
    expect(stream.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(comments(stream.text())).toBeGreaterThanOrEqual(3); // the opening one, then one per 300 ms
    expect(stream.text()).not.toContain('event:');
    stream.stop();
  });
});

describe('errors over SSE are the ones /graphql answers as JSON (both routes)', () => {
  it('before the stream: the same body — the code, message and OperationOutcome — for every mistake', async () => {
    const mistakes = {
      'a filter the gateway cannot evaluate': ['subscription { ObservationChanged(value_quantity: "5") { id } }', 'BAD_USER_INPUT', 'invalid'],
      '_since that is no event number': ['subscription { ObservationChanged(_since: "abc") { id } }', 'BAD_USER_INPUT', 'invalid'],
      '_since the log has not reached': ['subscription { ObservationChanged(_since: "999999") { id } }', 'BAD_USER_INPUT', 'invalid'],
      'an unknown source': ['subscription { ObservationChanged(sourceId: "nope") { id } }', 'UNKNOWN_SOURCE', 'not-found'],
      'a field the type lacks': ['subscription { ObservationChanged { nope } }', 'GRAPHQL_VALIDATION_FAILED', 'invalid'],
    } as const;
    for (const [mistake, [query, code, issue]] of Object.entries(mistakes)) {
      const json = await overJson(open, query);
      const error = json['errors'][0];
      expect(error.extensions.code, mistake).toBe(code);
      expect(error.extensions.resource, mistake).toEqual(outcome(issue, error.message));
      for (const path of SSE_ROUTES) {
        const s = await subscribeSse(`${open.url}${path}`, query);
        streams.push(s);
        expect(await s.waitFor(1), `${mistake} over ${path}`).toEqual([json]);
        expect(await s.waitForEnd(), `${mistake} over ${path}`).toBe(true);
      }
    }
  });

  it('in an event: a masked bug and graphql-js\'s own error carry the OperationOutcome; the bug is logged once per request', async () => {
    // The subject as the upstream sends it: an id no GraphQL ID can be (a bug somewhere: masked) and a name that is no list
    const selection = 'id name { family }';
    open.upstreams.hospital!.setFault(({ method, url }) =>
      method === 'GET' && url.includes('/Patient/h-pat-0003') ? { kind: 'status', status: 200, body: JSON.stringify({ resourceType: 'Patient', id: { not: 'an id' }, name: 'Smith' }) } : undefined);
    try {
      const json = await overJson(open, `{ Patient(id: "h-pat-0003") { ${selection} } }`);
      expect(json['errors'].map((e: Json) => e['extensions']?.['code'])).toEqual(['INTERNAL_SERVER_ERROR', undefined]);
      expect(json['errors'].map(said)).toEqual([
        { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', resource: outcome('exception', 'Unexpected error.') } },
        { message: 'Expected Iterable, but did not find one for field "Patient.name".', extensions: { resource: outcome('exception', 'Expected Iterable, but did not find one for field "Patient.name".') } },
      ]);
      lines.length = 0;
      // (Conditions: the other streams of this file hear of Observations, and would log the same bug)
      const query = `subscription { ConditionChanged { id resource { subject { resource { ... on Patient { ${selection} } } } } } }`;
      const routes = [await subscribe(open, '/graphql', query), await subscribe(open, '/graphql/stream', query)];
      const created = await write(open, '/fhir/Condition', { resourceType: 'Condition', code: { text: 'cough' }, subject: { reference: 'Patient/h-pat-0003' } });
      for (const [i, s] of routes.entries()) {
        const [event] = await s.waitFor(1);
        expect(event!.data, SSE_ROUTES[i]).toEqual({ ConditionChanged: { id: created.id, resource: { subject: { resource: { id: null, name: null } } } } });
        expect(event!.errors!.map(said), SSE_ROUTES[i]).toEqual(json['errors'].map(said));
        expect(event!.errors!.map((e) => (e as Json)['path']), SSE_ROUTES[i]).toEqual([
          ['ConditionChanged', 'resource', 'subject', 'resource', 'id'],
          ['ConditionChanged', 'resource', 'subject', 'resource', 'name'],
        ]);
      }
      // what the mask hid is logged with the request id, once for each stream
      const bugs = () => lines.filter((l) => /^unexpected error \(request [0-9a-f-]{36}\): Error: ID cannot represent value/.test(l));
      await until(() => bugs().length >= 2, 'the two streams\' logs');
      await new Promise((r) => setTimeout(r, 200));
      expect(new Set(bugs().map((l) => /request ([^)]+)/.exec(l)![1])).size).toBe(2);
      expect(bugs()).toHaveLength(2);
    } finally {
      open.heal();
    }
  });

  it('the feed ending a stream (retention overtook it): one last event with EVENTS_EXPIRED and its OperationOutcome, then the end', async () => {
    const query = 'subscription { ObservationChanged { id } }';
    const routes = [await subscribe(logged, '/graphql', query), await subscribe(logged, '/graphql/stream', query)];
    // Another replica logs three events, and retention removes them before this gateway read them: its subscribers
    // may have missed them. The gateway finds the gap when it reads the log after its own next write.
    const log = new ChangeLog(replica);
    const now = Date.now();
    const events = await log.append([1, 2, 3].map((n) => ({ action: 'create', sourceId: 'ward', resourceType: 'Observation', id: `gone-${n}`, versionId: null, resource: { resourceType: 'Observation', id: `gone-${n}` } as never, previous: null })), now - 60_000);
    expect(await log.prune(now - 30_000)).toBe(3);
    await write(logged, '/fhir/Observation', observation('w-pat-0001'));
    const removed = `${events[0]!.eventNumber}–${events[2]!.eventNumber}`;
    for (const [i, s] of routes.entries()) {
      expect(await s.waitForEnd(), SSE_ROUTES[i]).toBe(true);
      expect(s.payloads, SSE_ROUTES[i]).toHaveLength(1);
      const [error, ...more] = s.payloads[0]!.errors!;
      expect(more).toEqual([]);
      expect(error!.message).toMatch(new RegExp(`^The change log removed events ${removed} \\(older than its retention\\)`));
      expect(error!.extensions).toEqual({ code: 'EVENTS_EXPIRED', resource: outcome('not-found', error!.message) });
    }
    // the JSON route's EVENTS_EXPIRED (a _since older than the log keeps): the same code and issue; over SSE the same body
    const expired = 'subscription { ObservationChanged(_since: "1") { id } }';
    const json = await overJson(logged, expired);
    const error = json['errors'][0];
    expect(error.extensions).toEqual({ code: 'EVENTS_EXPIRED', resource: outcome('not-found', error.message) });
    for (const path of SSE_ROUTES) {
      const s = await subscribeSse(`${logged.url}${path}`, expired);
      streams.push(s);
      expect(await s.waitFor(1), path).toEqual([json]);
    }
  });
});

describe('SSE with auth', () => {
  it('no token or a bad one: 401 with the challenge, on both SSE routes; nothing is streamed', async () => {
    for (const path of ['/graphql', '/graphql/stream']) {
      for (const authorization of [undefined, 'Bearer not.a.jwt']) {
        const res = await secured.fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ query: 'subscription { PatientChanged { id } }' }),
        });
        expect(res.status, path).toBe(401);
        expect(res.headers.get('www-authenticate'), path).toMatch(/^Bearer realm=/);
        expect(((await res.json()) as Json)['errors'][0].extensions.code, path).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('with a token: events; at the token\'s exp the stream ends with UNAUTHENTICATED, nothing after it (both routes)', async () => {
    const writer = await bearer({ scope: 'user/*.cruds' });
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = await bearer({ scope: 'user/*.rs', exp });
    const routes = [
      await subscribe(secured, '/graphql', 'subscription { ObservationChanged { id } }', { authorization: token }),
      await subscribe(secured, '/graphql/stream', 'subscription { ObservationChanged { id } }', { authorization: token }),
    ];
    const before = await write(secured, '/fhir/Observation', observation('c-pat-0001'), writer);
    for (const s of routes) expect((await s.waitFor(1))[0]).toEqual({ data: { ObservationChanged: { id: before.id } } });
    const afterExp: string[] = [];
    while (Date.now() < exp * 1000 + 600) {
      const o = await write(secured, '/fhir/Observation', observation('c-pat-0001'), writer);
      if (Date.now() > exp * 1000) afterExp.push(o.id);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const s of routes) {
      expect(await s.waitForEnd(2_000)).toBe(true);
      const last = s.payloads.at(-1)!;
      expect(last.errors).toHaveLength(1);
      expect(last.errors?.[0]?.message).toMatch(/expired/);
      expect(last.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', resource: outcome('login', last.errors![0]!.message) });
      const ids = s.payloads.flatMap((p) => (p.data ? [(p.data as Json)['ObservationChanged'].id] : []));
      expect(ids.length).toBeGreaterThanOrEqual(1);
      for (const id of afterExp) expect(ids).not.toContain(id);
    }
    expect(afterExp.length).toBeGreaterThan(0);
  });
});
