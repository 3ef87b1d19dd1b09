// GraphQL over SSE, both ways the gateway serves it, over real sockets: yoga's built-in SSE (POST /graphql with
// `Accept: text/event-stream`) and the graphql-sse protocol's distinct connections mode (/graphql/stream). An idle
// stream gets a keep-alive comment (`:`) at least every 15 s; the token is the Authorization header's (401 without);
// a stream ends at its token's exp with an UNAUTHENTICATED error and nothing after; graphql-sse keeps the /graphql
// CSRF rule and has its single connection mode off.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { subscribeSse, type SseSubscription } from '../helpers/sse.ts';
import { until } from './ws-helpers.ts';

type Json = Record<string, any>;
let open: Fixture;
let issuer: SmartIssuer;
let secured: Fixture;
const streams: SseSubscription[] = [];
const aborts: AbortController[] = [];
beforeAll(async () => {
  open = await startFixture({ sources: { hospital: { patients: 3, idPrefix: 'h' } } });
  issuer = await startSmartIssuer(() => `${secured.url}/fhir`);
  secured = await startFixture({ sources: { clinic: { patients: 3, idPrefix: 'c' } }, argv: ['--auth-issuer', issuer.issuer] });
});
afterAll(async () => {
  for (const s of streams) s.close();
  for (const a of aborts) a.abort();
  await open?.stop();
  await secured?.stop();
  await issuer?.stop();
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
      expect(last.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      expect(last.errors?.[0]?.message).toMatch(/expired/);
      const ids = s.payloads.flatMap((p) => (p.data ? [(p.data as Json)['ObservationChanged'].id] : []));
      expect(ids.length).toBeGreaterThanOrEqual(1);
      for (const id of afterExp) expect(ids).not.toContain(id);
    }
    expect(afterExp.length).toBeGreaterThan(0);
  });
});
