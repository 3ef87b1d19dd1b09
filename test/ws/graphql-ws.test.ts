// GraphQL over WebSocket (graphql-transport-ws) on the gateway's own port and path, as an application's graphql-ws
// client uses it, against a real FHIR upstream: a subscription hears of REST writes and GraphQL mutations made through
// the gateway, resolved with its own selection set (references too); queries and mutations run over the socket too;
// errors — validation, limits, masked bugs — are the ones HTTP answers, because every operation runs through the same
// envelop; the upgrade is served on /graphql only, and a browser page of a foreign origin gets no socket.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { YogaLogger } from 'graphql-yoga';
import { FhirClient } from '../../src/sources/fhir-client.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { gqlClient, runOnce, upgradeStatus, watch, type Watched } from './ws-helpers.ts';

type Json = Record<string, any>;
let f: Fixture;
const lines: string[] = [];
const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
const logger: YogaLogger = { debug: () => undefined, info: capture, warn: capture, error: capture };
const client = () => {
  const c = gqlClient(f.url);
  clients.push(c);
  return c;
};
const clients: ReturnType<typeof gqlClient>[] = [];

beforeAll(async () => {
  f = await startFixture({
    sources: { hospital: { patients: 3, idPrefix: 'h' } },
    config: { cors: { origins: ['http://app.example.org'] } },
    logger,
  });
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await f?.stop();
});

async function subscribed(query: string, variables?: Json): Promise<Watched> {
  const w = watch(client(), query, variables);
  await new Promise((r) => setTimeout(r, 200)); // registered with the feed before the writes that follow
  return w;
}
const post = (path: string, body: unknown) =>
  f.fetch(path, { method: 'POST', headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, body: JSON.stringify(body) });
const observation = (patient: string, value: number) => ({
  resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
  subject: { reference: `Patient/${patient}` }, valueQuantity: { value, unit: 'bpm' },
});
const httpPost = async (body: unknown) => {
  const res = await f.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
};

describe('subscriptions over graphql-ws', () => {
  it('a REST write through the gateway arrives, resolved with the selection set, the subject reference included', async () => {
    const w = await subscribed('subscription { ObservationChanged { eventNumber action sourceId id resource { id code { text } valueQuantity { value unit } subject { resource { ... on Patient { id name { family } } } } } } }');
    const patient = (await f.direct('hospital', 'Patient/h-pat-0001')).body;
    const created = await post('/fhir/Observation', observation('h-pat-0001', 71));
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const [event] = await w.waitFor(1);
    expect(event!.errors).toBeUndefined();
    expect(event!.data!['ObservationChanged']).toEqual({
      eventNumber: expect.stringMatching(/^\d+$/),
      action: 'create',
      sourceId: 'hospital',
      id,
      resource: { id, code: { text: 'Heart rate' }, valueQuantity: { value: 71, unit: 'bpm' }, subject: { resource: { id: 'h-pat-0001', name: [{ family: patient.name[0].family }] } } },
    });
    w.stop();
  });

  it('a GraphQL mutation — over HTTP or over the socket itself — arrives too, in order, with increasing numbers', async () => {
    const w = await subscribed('subscription { PatientChanged { eventNumber action id resource { name { family } } } }');
    const created = await f.gql<{ PatientCreate: { id: string } }>('mutation { PatientCreate(res: { name: [{ family: "Overhttp" }] }) { id } }');
    const id = created.data!.PatientCreate.id;
    const updated = await runOnce(client(), `mutation { PatientUpdate(id: "${id}", res: { name: [{ family: "Oversocket" }] }) { id name { family } } }`);
    expect(updated).toEqual({ data: { PatientUpdate: { id, name: [{ family: 'Oversocket' }] } } });
    const events = (await w.waitFor(2)).map((r) => r.data!['PatientChanged']);
    expect(events.map((e: Json) => [e.action, e.id, e.resource.name[0].family])).toEqual([['create', id, 'Overhttp'], ['update', id, 'Oversocket']]);
    expect(BigInt(events[1].eventNumber)).toBeGreaterThan(BigInt(events[0].eventNumber));
    w.stop();
  });

  it('a filter the gateway cannot evaluate is an error before anything is delivered, as over SSE', async () => {
    const w = watch(client(), 'subscription { ObservationChanged(value_quantity: "gt5") { id } }');
    await w.ended();
    const [result] = w.results;
    expect(result?.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(result?.errors?.[0]?.extensions?.['resource']).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});

describe('queries and errors over graphql-ws equal HTTP', () => {
  it('a query answers what HTTP answers', async () => {
    const query = '{ PatientList(_count: 2) { id name { family } } }';
    const overWs = await runOnce(client(), query);
    const overHttp = await httpPost({ query });
    expect(overHttp.status).toBe(200);
    expect(overWs).toEqual(overHttp.body);
  });

  it('validation errors, syntax errors and limits: the same errors (code, message, OperationOutcome), sent as an `error` message', async () => {
    const documents = [
      '{ PatientList { nope } }', // validation
      '{ PatientList { id ', // syntax
      `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: PatientList { id }`).join(' ')} }`, // aliases / cost
      `{ ${'PatientList { link { other { resource { ... on Patient { '.repeat(8)} id ${'} } } } }'.repeat(8)} }`, // depth
    ];
    for (const query of documents) {
      const w = watch(client(), query);
      await w.ended();
      const overHttp = await httpPost({ query });
      expect(overHttp.status, query).toBeGreaterThanOrEqual(400);
      expect(w.results, query).toEqual([]);
      expect(w.error, query).toEqual(overHttp.body['errors']);
      expect((w.error as Json[])[0]!['extensions']['resource'], query).toMatchObject({ resourceType: 'OperationOutcome' });
      expect((w.error as Json[])[0]!['extensions']['http'], query).toBeUndefined();
    }
  });

  it('variables nested past limits.maxJsonDepth are JSON_TOO_DEEP, as over HTTP', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    const body = { query: 'query($v: [String]) { PatientList(_id: $v) { id } }', variables: { v: deep } };
    const w = watch(client(), body.query, body.variables);
    await w.ended();
    const overHttp = await httpPost(body);
    expect((w.error as Json[])[0]!['extensions']['code']).toBe('JSON_TOO_DEEP');
    expect(w.error).toEqual(overHttp.body['errors']);
  });

  it('a bug below the resolvers is masked as over HTTP, and logged once with the operation\'s request id', async () => {
    const secret = 'SECRET-detail-of-a-bug';
    const spy = vi.spyOn(FhirClient.prototype, 'read').mockRejectedValue(new TypeError(`${secret} is not a function`));
    try {
      lines.length = 0;
      const query = '{ Patient(id: "h-pat-0001") { id } }';
      const overWs = await runOnce(client(), query);
      expect(JSON.stringify(overWs)).not.toContain(secret);
      expect(overWs.errors?.[0]).toMatchObject({ message: 'Unexpected error.', path: ['Patient'], extensions: { code: 'INTERNAL_SERVER_ERROR', resource: { resourceType: 'OperationOutcome' } } });
      const overHttp = await httpPost({ query });
      expect(overWs).toEqual(overHttp.body);
      const logged = lines.filter((l) => l.includes(secret));
      expect(logged).toHaveLength(2); // once for each transport
      expect(logged[0]).toMatch(/unexpected error \(request [0-9a-f-]{36}\)/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the upgrade', () => {
  it('is served on /graphql only; any other path is 404 and the socket is gone', async () => {
    expect(await upgradeStatus(f.url, '/graphql')).toBe(101);
    expect(await upgradeStatus(f.url, '/graphql/')).toBe(101);
    for (const path of ['/', '/fhir', '/fhir/Patient', '/graphql/stream', '/health', '/graphqlx']) {
      expect(await upgradeStatus(f.url, path), path).toBe(404);
    }
  });

  it('cross-site WebSocket hijacking: a foreign Origin is 403; no Origin, the gateway\'s own origin and an allowed origin pass', async () => {
    expect(await upgradeStatus(f.url, '/graphql', { origin: 'https://evil.example.com' })).toBe(403);
    expect(await upgradeStatus(f.url, '/graphql', { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(f.url, '/graphql', { origin: 'http://app.example.org.evil.example.com' })).toBe(403);
    expect(await upgradeStatus(f.url, '/graphql', { origin: f.url })).toBe(101);
    expect(await upgradeStatus(f.url, '/graphql', { origin: 'http://app.example.org' })).toBe(101);
    expect(await upgradeStatus(f.url, '/graphql')).toBe(101);
  });
});
