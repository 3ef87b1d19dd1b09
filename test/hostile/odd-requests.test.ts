// What else an attacker tries against this surface: spoofed and malformed Host headers, odd percent-encoding and
// dot-segments in paths, request targets that are not paths, absurd _count/_offset, huge headers, slowloris-style
// partial requests, a batch of 1,000 operations, duplicated parameters, prototype-pollution keys. None of it may be a
// 5xx, leak a stack, reach an upstream it should not, or slow the gateway for others.
// (src/http/node-request-guard.ts is the fix for the Host / request-target / dot-segment cases.)
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { malformedRequest } from '../../src/http/node-request-guard.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectGraphQLError, expectNothingUpstream, expectOutcome, jsonOf, postJson, rawExchange, rawRequest, STACK_FRAME } from './hostile-helpers.ts';

type Json = Record<string, any>;

/** One raw HTTP/1.1 request line and headers (Connection: close), and the answer's status line and body. */
async function raw(f: Fixture, requestLine: string, headers: string[] = ['Host: gw.example.org']): Promise<{ status: number; head: string; body: string }> {
  const out = await rawExchange(f.url, [`${requestLine}\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`], 5_000);
  const split = out.indexOf('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0), head: out.slice(0, split), body: out.slice(split + 4) };
}

describe('odd requests (production)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => f?.stop());
  beforeEach(() => f.resetCalls());

  describe('Host header and request target', () => {
    it('a Host that is not host[:port] is 400 before the pipeline (it was a 500 whose body was the exception\'s stack)', async () => {
      for (const host of ['a b', 'evil.example.com\\x', 'x y:80', '[::1', 'ex ample.org']) {
        const r = await raw(f, 'GET /health HTTP/1.1', [`Host: ${host}`]);
        expect(r.status, host).toBe(400);
        expect(r.body).not.toMatch(STACK_FRAME);
        expect(r.body).not.toMatch(/TypeError|Invalid URL/);
        expect(JSON.parse(r.body).errors[0].extensions.code).toBe('BAD_REQUEST');
      }
    });

    it('a Host with a path cannot move the request to another route (Host: h/fhir/Patient/1? with target /health read Patient/1)', async () => {
      for (const host of ['h/fhir/Patient/pat-0001?', 'h/graphql?query={__typename}#', 'evil.example.com/../x', 'user@evil.example.com']) {
        const r = await raw(f, 'GET /health HTTP/1.1', [`Host: ${host}`]);
        expect(r.status, host).toBe(400);
        expect(r.body).not.toContain('pat-0001');
      }
      expectNothingUpstream(f);
    });

    it('targets that are not paths (absolute-form, *) and dot-segments (plain or %2e-encoded) are 400, not re-routed', async () => {
      for (const line of [
        'GET http://evil.example.com/fhir/Patient/pat-0001 HTTP/1.1',
        'OPTIONS * HTTP/1.1',
        'GET /fhir/%2e%2e/%2e%2e/graphql?query=%7B__typename%7D HTTP/1.1',
        'GET /fhir/%2E%2E/graphql?query=%7B__typename%7D HTTP/1.1',
        'GET /fhir/Patient/pat-0001/../../health HTTP/1.1',
        'GET /fhir/./Patient/pat-0001 HTTP/1.1',
        'GET /fhir/Patient/pat-0001/%2e%2e/pat-0002 HTTP/1.1',
      ]) {
        const r = await raw(f, line);
        expect(r.status, line).toBe(400);
        expect(r.body).not.toMatch(/__typename|pat-000/);
      }
      expectNothingUpstream(f);
    });

    it('a well-formed spoofed Host only shapes the links of its own answer, which no cache keeps (no-store)', async () => {
      const r = await rawRequest(f.url, { path: '/fhir/Patient?_count=1', headers: { host: 'evil.example.com:8443' } });
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
      expect((JSON.parse(r.body) as Json).link[0].url).toBe('http://evil.example.com:8443/fhir/Patient?_count=1');
      // the next client, without it, is not affected
      const next = await jsonOf<Json>(f.fetch('/fhir/Patient?_count=1'));
      expect(next.body.link[0].url).toBe(`${f.url}/fhir/Patient?_count=1`);
    });

    it('the guard\'s rule, directly: what it lets through and what it refuses', () => {
      const ok = (host: string | undefined, url: string) => malformedRequest({ headers: host === undefined ? {} : { host }, url });
      expect(ok('gw.example.org', '/fhir/Patient?name=a/../b')).toBeUndefined(); // dots in the query are data
      expect(ok('127.0.0.1:4000', '/fhir//Patient')).toBeUndefined();
      expect(ok('[::1]:4000', '/graphql')).toBeUndefined();
      expect(ok(undefined, '/health')).toBeUndefined();
      expect(ok('gw_internal', '/fhir/Patient/a..b')).toBeUndefined(); // not a dot-segment
      expect(ok('a b', '/')).toMatch(/Host/);
      expect(ok('gw.example.org', '*')).toMatch(/target/);
      expect(ok('gw.example.org', '/fhir/%2e/x')).toMatch(/dot-segments/);
    });
  });

  describe('paths', () => {
    it('broken or odd percent-encoding in REST paths is a 4xx OperationOutcome, never a 5xx', async () => {
      const cases: Array<[string, number]> = [
        ['/fhir/Patient/%E0%A4%A', 400],
        ['/fhir/Patient/%ZZ', 400],
        ['/fhir/Patient/%00', 400],
        ['/fhir/Patient/a%2Fb', 400],
        ['/fhir/Patient/%2e%2e%2fetc%2fpasswd', 400],
        ['/fhir/%2524graphql', 404],
        ['/fhir/Patient/pat-0001/_history/%00', 400],
        ['/fhir/Patient%00/pat-0001', 404],
        ['/fhir/%C0%AE%C0%AE/graphql', 400],
        [`/fhir/Patient/${'a'.repeat(5000)}`, 400],
      ];
      for (const [path, status] of cases) {
        const r = await f.fetch(path);
        const text = await r.text();
        expect(r.status, `${path.slice(0, 60)}: ${text.slice(0, 200)}`).toBe(status);
        expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
        expect(text).not.toMatch(STACK_FRAME);
        expect(text.length).toBeLessThan(1000); // the path is quoted, never at length
      }
      // an encoded type is still the type (%50 = P): same answer as plain
      const encoded = await f.fetch('/fhir/%50atient/pat-0001');
      expect(encoded.status).toBe(200);
      await encoded.text();
      expect(f.calls().map((c) => c.url)).toEqual(['/Patient/pat-0001']);
    });
  });

  describe('absurd _count and _offset', () => {
    it('REST: out-of-range or malformed values are 400, nothing upstream; a huge valid one is capped at maxCount with a note', async () => {
      for (const query of ['_count=-1', '_count=1e3', '_count=0x10', '_count=9999999999', '_count=', '_count=1&_count=2', '_offset=-5', '_offset=1.5', '_count= 5']) {
        await expectOutcome(f.fetch(`/fhir/Patient?${query}`), 400, 'BAD_USER_INPUT', 'invalid');
      }
      expectNothingUpstream(f);
      const capped = await jsonOf<Json>(f.fetch('/fhir/Patient?_count=999999999'));
      expect(capped.status).toBe(200);
      expect(f.calls().map((c) => c.url)).toEqual(['/Patient?_count=500']);
      const note = capped.body.entry.find((e: Json) => e.search?.mode === 'outcome');
      expect(JSON.stringify(note)).toMatch(/COUNT_CAPPED/);
    });

    it('GraphQL: _count past Int is a validation error; past maxCount it is capped (COUNT_CAPPED); nested, past the cost limit', async () => {
      const overflow = await jsonOf(postJson(f, '/graphql', { query: '{ PatientList(_count: 99999999999) { id } }' }));
      expect(overflow.status).toBe(400);
      expectGraphQLError(overflow.body, 'GRAPHQL_VALIDATION_FAILED');
      const negative = await f.gql('{ PatientList(_count: -1) { id } }');
      expect(negative.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
      expectNothingUpstream(f);
      const capped = await f.gql<Json>('{ PatientList(_count: 2147483647) { id } }');
      expect(capped.errors).toBeUndefined();
      expect((capped.extensions?.['warnings'] as Json[]).map((w) => w['code'])).toEqual(['COUNT_CAPPED']);
      expect(f.calls().map((c) => c.url)).toEqual(['/Patient?_count=500']);
      f.resetCalls();
      const nested = await jsonOf(postJson(f, '/graphql', {
        query: 'query ($n: Int) { PatientList(_count: $n) { id ObservationList(_reference: subject, _count: $n) { id } } }',
        variables: { n: 2147483647 },
      }));
      expect(nested.status).toBe(400);
      expectGraphQLError(nested.body, 'QUERY_TOO_COSTLY', 'too-costly');
      expectNothingUpstream(f);
    });

    it('merged searches refuse _offset + _count past maxCount (page with the cursor instead)', async () => {
      const two = await startFixture({ env: { NODE_ENV: 'production' }, sources: { a: { patients: 3, idPrefix: 'a' }, b: { patients: 3, idPrefix: 'b' } } });
      try {
        two.resetCalls();
        await expectOutcome(two.fetch('/fhir/Patient?_offset=999999999&_count=5'), 400, 'BAD_USER_INPUT');
        const g = await two.gql('{ PatientList(_offset: 2147483647, _count: 5) { id } }');
        expect(g.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
        expectNothingUpstream(two);
      } finally {
        await two.stop();
      }
    });
  });

  describe('huge and many headers, slow clients', () => {
    it('a 100 KB header and 3,000 headers are 431 from the HTTP layer; the gateway keeps answering', async () => {
      const big = await rawExchange(f.url, [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\nConnection: close\r\n\r\n`], 5_000);
      expect(big).toMatch(/^HTTP\/1\.1 431 /);
      const many = await rawExchange(f.url, [`GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: 1\r\n`).join('')}Connection: close\r\n\r\n`], 5_000);
      expect(many).toMatch(/^HTTP\/1\.1 431 /);
      expect((await f.fetch('/health')).status).toBe(200);
    });

    it('100 slowloris connections (headers or bodies never finished) do not stop others from being served', async () => {
      const port = Number(new URL(f.url).port);
      const sockets: Socket[] = [];
      try {
        const baseline: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          expect((await f.gql('{ PatientList(_count: 2) { id } }')).status).toBe(200);
          baseline.push(performance.now() - t);
        }
        for (let i = 0; i < 100; i++) {
          const socket = connect(port, '127.0.0.1');
          socket.on('error', () => undefined);
          socket.write(i % 2 === 0
            ? 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '
            : 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"query":"');
          sockets.push(socket);
        }
        await new Promise((r) => setTimeout(r, 200));
        const during: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          expect((await f.gql('{ PatientList(_count: 2) { id } }')).status).toBe(200);
          during.push(performance.now() - t);
        }
        expect(Math.max(...during)).toBeLessThan(Math.max(1_000, 20 * Math.max(...baseline)));
      } finally {
        for (const socket of sockets) socket.destroy();
      }
      // such connections are not kept forever: Node's header and request timeouts are on
      expect(f.gateway.app.server.headersTimeout).toBeGreaterThan(0);
      expect(f.gateway.app.server.requestTimeout).toBeGreaterThan(0);
    });
  });

  describe('batches and duplicated parameters', () => {
    it('a JSON array of 1,000 operations is 400 (batching is off): nothing executed, nothing upstream', async () => {
      for (const path of ['/graphql', '/fhir/$graphql']) {
        const ops = Array.from({ length: 1000 }, (_, i) => ({ query: `mutation { PatientDelete(id: "pat-000${i % 10}") { id } }` }));
        const { status, body } = await jsonOf(postJson(f, path, ops));
        expect(status).toBe(400);
        expect(body.errors?.[0]?.message).toMatch(/Batching is not supported/);
      }
      expectNothingUpstream(f);
      expect((await f.gql('{ Patient(id: "pat-0001") { id } }')).data).toEqual({ Patient: { id: 'pat-0001' } });
    });

    it('a second `query` parameter cannot smuggle a mutation into a GET; duplicated REST result parameters are 400', async () => {
      const q = (s: string) => encodeURIComponent(s);
      const mutation = 'mutation { PatientDelete(id: "pat-0001") { id } }';
      const first = await f.fetch(`/graphql?query=${q('{ __typename }')}&query=${q(mutation)}`);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ data: { __typename: 'Query' } });
      const second = await f.fetch(`/graphql?query=${q(mutation)}&query=${q('{ __typename }')}`);
      expect(second.status).toBe(405);
      await second.text();
      for (const name of ['_count', '_offset', '_cursor', '_summary', '_elements']) {
        await expectOutcome(f.fetch(`/fhir/Patient?${name}=1&${name}=2`), 400, 'BAD_USER_INPUT');
      }
      expect(f.upstreams['demo']!.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    });
  });

  describe('prototype-pollution keys', () => {
    afterAll(() => {
      expect(({} as Json)['polluted']).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('in GraphQL variables, extensions, operation names, aliases and input objects: no 5xx, nothing polluted', async () => {
      const cases: Array<[unknown, number]> = [
        [{ query: 'query ($v: String) { PatientList(name: $v, _count: 1) { id } }', variables: JSON.parse('{"__proto__":{"v":"x","polluted":1},"constructor":{"prototype":{"polluted":1}}}') }, 200],
        [{ query: 'query ($__proto__: String) { PatientList(name: $__proto__, _count: 1) { id } }', variables: JSON.parse('{"__proto__":"Adams"}') }, 200],
        [{ query: '{ __typename }', extensions: JSON.parse('{"__proto__":{"polluted":1}}') }, 200],
        [{ query: 'query __proto__ { __typename } query constructor { __typename }', operationName: '__proto__' }, 200],
        [{ query: 'query a { __typename } query b { __typename }', operationName: 'toString' }, 400],
        [{ query: '{ __proto__: Patient(id: "pat-0001") { constructor: id hasOwnProperty: id } }' }, 200],
        [{ query: '{ Patient(id: "pat-0001") { __proto__: name @flatten { constructor: family } } }' }, 200],
        [{ query: 'mutation ($r: PatientCreate!) { PatientCreate(res: $r) { id } }', variables: { r: JSON.parse('{"__proto__":{"polluted":1},"name":[{"family":"P"}]}') } }, 400],
        [{ query: '{ Patient(id: "pat-0001", sourceId: "__proto__") { id } }' }, 200],
        [{ query: '{ PatientList(_sort: "__proto__,constructor") { id } }' }, 200],
      ];
      for (const [body, status] of cases) {
        const r = await postJson(f, '/graphql', JSON.stringify(body));
        const text = await r.text();
        expect(r.status, `${JSON.stringify(body).slice(0, 120)}: ${text.slice(0, 200)}`).toBe(status);
        expect(text).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
      }
      const aliased = await f.gql<Json>('{ __proto__: Patient(id: "pat-0001") { constructor: id } }');
      expect(Object.getOwnPropertyNames(aliased.data)).toEqual(['__proto__']);
      expect(({} as Json)['polluted']).toBeUndefined();
    });

    it('in REST paths, parameters and resources: 4xx or passed on as data, nothing polluted', async () => {
      for (const path of ['/fhir/__proto__/x', '/fhir/constructor', '/fhir/toString/Patient/pat-0001', '/fhir/Patient/__proto__/$graphql?query=%7Bid%7D']) {
        const r = await f.fetch(path);
        await r.text();
        expect(r.status, path).toBeGreaterThanOrEqual(400);
        expect(r.status, path).toBeLessThan(500);
      }
      await expectOutcome(f.fetch('/fhir/Patient?__proto__=x&constructor=y'), 400, 'UNSUPPORTED_SEARCH_PARAMETER');
      await expectOutcome(f.fetch('/fhir/Patient?_elements=__proto__,constructor'), 400, 'BAD_USER_INPUT');
      await expectOutcome(f.fetch('/fhir/Patient?_summary=__proto__'), 400, 'BAD_USER_INPUT');
      await expectOutcome(f.fetch('/fhir/Patient/pat-0001/$graphql?_source=__proto__&query=%7Bid%7D'), 400, 'BAD_USER_INPUT');
      const created = await f.fetch('/fhir/Patient', {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: '{"resourceType":"Patient","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
      });
      expect(created.status).toBe(201);
      await created.text();
      expect(({} as Json)['polluted']).toBeUndefined();
    });
  });
});
