// Bad input and broken upstreams: every case gets a spec-shaped GraphQL error with a stable
// extensions.code, and the gateway keeps serving afterwards. Real sockets, real FHIR server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startGateway, type GatewayHandle } from '../helpers/gateway.ts';

type Json = Record<string, any>;
let f: Fixture;
let upstream: MemoryFhirServer;

const dangling = {
  resourceType: 'Patient',
  id: 'dangling',
  generalPractitioner: [{ reference: 'Practitioner/does-not-exist' }, { display: 'Dr. No Reference' }],
  managingOrganization: { reference: 'http://elsewhere.example/fhir/Organization/1' },
};

beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 5, resources: [dangling] } }, config: {} });
  upstream = f.upstreams.demo!;
});
afterAll(() => f?.stop());
beforeEach(() => upstream.setFault(undefined));

async function stillServes(): Promise<void> {
  upstream.setFault(undefined);
  const res = await f.gql(`{ Patient(id: "pat-0001") { id } }`);
  expect(res.data).toEqual({ Patient: { id: 'pat-0001' } });
}

describe('client mistakes', () => {
  it('malformed GraphQL is a 400 with a syntax error', async () => {
    const res = await f.gql(`{ Patient(id: `);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toMatch(/Syntax Error/);
    expect(res.data).toBeUndefined();
  });

  it('an unknown resource type or field fails validation, before any upstream call', async () => {
    f.resetCalls();
    for (const q of [`{ Foo(id: "1") { id } }`, `{ Patient(id: "pat-0001") { nope } }`, `{ PatientList(notAParam: "x") { id } }`]) {
      const res = await f.gql(q);
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('an invalid id, negative _count or foreign cursor is BAD_USER_INPUT', async () => {
    const cases = [
      `{ Patient(id: "a b/../c") { id } }`,
      `{ PatientList(_count: -1) { id } }`,
      `{ PatientConnection(_cursor: "not-a-cursor") { count } }`,
      `{ PatientConnection(_cursor: "${Buffer.from(JSON.stringify({ s: 'demo', l: 'Practitioner?_count=1' })).toString('base64url')}") { count } }`,
      `{ Patient(id: "pat-0001") { identifier(_offset: -2) { value } } }`,
    ];
    for (const q of cases) {
      const res = await f.gql(q);
      expect(res.errors?.[0]?.extensions?.['code'], q).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.extensions?.['resource']?.resourceType, q).toBe('OperationOutcome');
    }
  });

  it('an unknown source is UNKNOWN_SOURCE naming the configured ones', async () => {
    const res = await f.gql(`{ Patient(id: "pat-0001", sourceId: "nope") { id } }`);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UNKNOWN_SOURCE');
    expect(res.errors?.[0]?.message).toContain('demo');
  });

  it('a bad search parameter value is the upstream 400 with its OperationOutcome', async () => {
    const res = await f.gql(`{ PatientList(birthdate: "notadate") { id } }`);
    const err = res.errors?.[0];
    expect(res.data).toEqual({ PatientList: null });
    expect(err?.path).toEqual(['PatientList']);
    expect(err?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_REQUEST', source: 'demo', upstreamStatus: 400 });
    expect(err?.extensions?.['resource']).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error' })] });
  });

  it('an unknown id is NOT_FOUND on that field only; siblings keep their data', async () => {
    const res = await f.gql(`{ a: Patient(id: "pat-0001") { id } b: Patient(id: "nope") { id } }`);
    expect(res.data).toEqual({ a: { id: 'pat-0001' }, b: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]).toMatchObject({ path: ['b'], extensions: { code: 'NOT_FOUND', source: 'demo' } });
  });

  it('a dangling or unresolvable reference is an error on that field; optional: true gives null', async () => {
    const res = await f.gql(`{ Patient(id: "dangling") {
      id
      generalPractitioner { display resource { id } }
      managingOrganization { resource { id } }
      opt: generalPractitioner { resource(optional: true) { id } }
    } }`);
    const p = (res.data as Json)['Patient'];
    expect(p.id).toBe('dangling');
    expect(p.generalPractitioner).toEqual([{ display: null, resource: null }, { display: 'Dr. No Reference', resource: null }]);
    expect(p.opt).toEqual([{ resource: null }, { resource: null }]);
    const codes = (res.errors ?? []).map((e) => [e.path?.join('.'), e.extensions?.['code']]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ['Patient.generalPractitioner.0.resource', 'NOT_FOUND'],
        ['Patient.generalPractitioner.1.resource', 'UNRESOLVABLE_REFERENCE'],
        ['Patient.managingOrganization.resource', 'UNRESOLVABLE_REFERENCE'],
      ]),
    );
    expect(res.errors).toHaveLength(3);
  });
});

describe('broken upstream answers', () => {
  const cases: Array<[string, Parameters<MemoryFhirServer['setFault']>[0], string, number | undefined]> = [
    [
      '500 with an OperationOutcome',
      () => ({
        kind: 'status',
        status: 500,
        body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'database down' }] }),
        headers: { 'content-type': 'application/fhir+json' },
      }),
      'UPSTREAM_ERROR',
      500,
    ],
    ['invalid JSON', () => ({ kind: 'invalid-json' }), 'UPSTREAM_BAD_RESPONSE', 200],
    ['an empty body', () => ({ kind: 'empty' }), 'UPSTREAM_BAD_RESPONSE', 200],
  ];
  for (const [name, fault, code, status] of cases) {
    it(`${name} gives ${code}, and the gateway keeps serving`, async () => {
      upstream.setFault(fault);
      const res = await f.gql(`{ Patient(id: "pat-0002") { id } }`);
      expect(res.data).toEqual({ Patient: null });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code, source: 'demo', ...(status ? { upstreamStatus: status } : {}) });
      expect(res.errors?.[0]?.extensions?.['resource']?.resourceType).toBe('OperationOutcome');
      if (name.startsWith('500')) expect(res.errors?.[0]?.message).toContain('database down');
      await stillServes();
    });
  }

  it('a search answered with something other than a Bundle is UPSTREAM_BAD_RESPONSE', async () => {
    upstream.setFault(() => ({ kind: 'status', status: 200, body: '{"resourceType":"Patient","id":"x"}', headers: { 'content-type': 'application/fhir+json' } }));
    const res = await f.gql(`{ PatientList { id } }`);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_BAD_RESPONSE');
    await stillServes();
  });
});

describe('dead and hung upstreams', () => {
  let dead: GatewayHandle;
  let hung: GatewayHandle;
  let hangServer: Server;
  beforeAll(async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    dead = await startGateway({}, { waitReady: false, configFile: { sources: [{ id: 'dead', baseUrl: `http://127.0.0.1:${port}`, retries: 1 }] } });
    hangServer = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hangServer.listen(0, '127.0.0.1', r));
    const hangUrl = `http://127.0.0.1:${(hangServer.address() as AddressInfo).port}`;
    hung = await startGateway({}, { waitReady: false, configFile: { sources: [{ id: 'hung', baseUrl: hangUrl, timeoutMs: 300, retries: 0 }] } });
  });
  afterAll(async () => {
    await dead?.stop();
    await hung?.stop();
    hangServer?.closeAllConnections();
    await new Promise<void>((r) => hangServer?.close(() => r()));
  });

  it('a dead upstream is UPSTREAM_UNAVAILABLE; /health stays up and /ready says not ready', async () => {
    const res = await dead.gql(`{ Patient(id: "1") { id } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'dead' });
    expect((await fetch(`${dead.url}/health`)).status).toBe(200);
    expect((await fetch(`${dead.url}/ready`)).status).toBe(503);
  });

  it('a hung upstream is UPSTREAM_TIMEOUT after its own timeout', async () => {
    const started = Date.now();
    const res = await hung.gql(`{ Patient(id: "1") { id } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', source: 'hung' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe('HTTP surface', () => {
  it('answers GET /graphql?query= as well as POST', async () => {
    const res = await fetch(`${f.url}/graphql?query=${encodeURIComponent('{ Patient(id: "pat-0003") { id } }')}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { Patient: { id: 'pat-0003' } } });
  });

  it('echoes a sane x-request-id and makes one otherwise', async () => {
    const given = await fetch(`${f.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${f.url}/health`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves GraphiQL to a browser', async () => {
    const res = await fetch(`${f.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('GraphiQL');
  });
});
