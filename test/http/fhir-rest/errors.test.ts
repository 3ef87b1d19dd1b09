// Errors and formats of the FHIR REST shim over real sockets: only JSON is spoken (406 for XML), bodies must be FHIR
// JSON (415, 400) and not too large (413), unknown types and operations are 404/501, a wrong method is 405 with an
// Allow header, an upstream sending broken JSON is 502. Every error body is an OperationOutcome served as
// application/fhir+json, and the gateway keeps serving after each.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../../src/demo/memory-fhir-server.ts';
import { isMetadata, startFixture, type Fixture } from '../../helpers/fixture.ts';
import type { GatewayHandle } from '../../helpers/gateway.ts';
import { EXACT, expectOutcome, fhir, send } from './rest-helpers.ts';

let f: Fixture;
let a: MemoryFhirServer;
/** a only */
let one: GatewayHandle;
/** a and b */
let two: GatewayHandle;

beforeAll(async () => {
  const gateway = { ...EXACT, sourceDefaults: { ...EXACT.sourceDefaults, retries: 0 } };
  f = await startFixture({ sources: { a: { patients: 3, idPrefix: 'a' }, b: { patients: 3, idPrefix: 'b' } }, only: ['a'], ...gateway });
  a = f.upstreams.a!;
  one = f.gateway;
  two = await f.addGateway(gateway);
});

beforeEach(() => f?.heal());

afterAll(() => f?.stop());

/** The gateway still answers a read and a search correctly. */
async function stillServing(gw: GatewayHandle): Promise<void> {
  const read = await fhir(`${gw.url}/fhir/Patient/a-pat-0001`);
  expect(read.status).toBe(200);
  expect(read.body.id).toBe('a-pat-0001');
  const search = await fhir(`${gw.url}/fhir/Patient?_count=2`);
  expect(search.status).toBe(200);
  expect(search.body.entry).toHaveLength(2);
}

interface Case {
  readonly name: string;
  readonly path: string;
  readonly init?: RequestInit;
  readonly status: number;
  readonly allow?: string;
}

const J = { 'content-type': 'application/fhir+json' };
const CASES: readonly Case[] = [
  { name: '_format=xml', path: 'Patient?_format=xml', status: 406 },
  { name: '_format=application/fhir+xml on a read', path: 'Patient/a-pat-0001?_format=application/fhir%2Bxml', status: 406 },
  { name: 'Accept: application/fhir+xml', path: 'Patient/a-pat-0001', init: { headers: { accept: 'application/fhir+xml' } }, status: 406 },
  { name: 'Accept: application/fhir+xml on metadata', path: 'metadata', init: { headers: { accept: 'application/fhir+xml' } }, status: 406 },
  { name: 'POST with content-type text/plain', path: 'Patient', init: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"resourceType":"Patient"}' }, status: 415 },
  { name: 'PUT with content-type application/xml', path: 'Patient/a-pat-0001', init: { method: 'PUT', headers: { 'content-type': 'application/fhir+xml' }, body: '<Patient/>' }, status: 415 },
  { name: 'POST _search with a JSON body', path: 'Patient/_search', init: { method: 'POST', headers: J, body: '{}' }, status: 415 },
  { name: 'invalid JSON body', path: 'Patient', init: { method: 'POST', headers: J, body: '{"resourceType":"Patient",' }, status: 400 },
  { name: 'JSON that is no resource', path: 'Patient', init: { method: 'POST', headers: J, body: '"Patient"' }, status: 400 },
  { name: 'unknown resource type', path: 'Frobnicator', status: 404 },
  { name: 'unknown resource type read', path: 'Frobnicator/1', status: 404 },
  { name: 'lower-case resource type', path: 'patient/a-pat-0001', status: 404 },
  { name: 'a path with no interaction', path: 'Patient/a-pat-0001/_history/1/extra', status: 404 },
  { name: '$everything', path: 'Patient/a-pat-0001/$everything', status: 501 },
  { name: 'type-level operation', path: 'Patient/$match', init: { method: 'POST', headers: J, body: '{"resourceType":"Parameters"}' }, status: 501 },
  { name: 'system-level operation', path: '$export', status: 501 },
  { name: 'DELETE metadata', path: 'metadata', init: { method: 'DELETE' }, status: 405, allow: 'GET' },
  { name: 'GET on the base', path: '', status: 405, allow: 'POST' },
  { name: 'POST on an instance', path: 'Patient/a-pat-0001', init: { method: 'POST', headers: J, body: '{"resourceType":"Patient"}' }, status: 405, allow: 'GET, PUT, PATCH, DELETE' },
  { name: 'PUT on history', path: 'Patient/a-pat-0001/_history', init: { method: 'PUT', headers: J, body: '{}' }, status: 405, allow: 'GET' },
  { name: 'GET _search', path: 'Patient/_search', status: 405, allow: 'POST' },
  { name: 'invalid id', path: 'Patient/not_valid', status: 400 },
];

describe.each([['one source', () => one], ['two sources', () => two]] as const)('%s', (_label, gateway) => {
  it.each(CASES)('$name → $status OperationOutcome (fhir+json), nothing sent upstream, still serving', async (c) => {
    const gw = gateway();
    const res = await fhir(`${gw.url}/fhir${c.path ? `/${c.path}` : ''}`, c.init);
    expectOutcome(res, c.status);
    if (c.allow !== undefined) expect(res.headers.get('allow')).toBe(c.allow);
    expect(f.calls('a')).toHaveLength(0);
    expect(f.calls('b')).toHaveLength(0);
    await stillServing(gw);
  });
});

describe('bodies', () => {
  it('a body larger than 16 MiB (with content-length) is 413, nothing sent, still serving', async () => {
    const size = 16 * 1024 * 1024 + 1024;
    const body = Buffer.alloc(size, 0x20);
    body.write('{"resourceType":"Patient","x":"', 0);
    const res = await fhir(`${one.url}/fhir/Patient`, { method: 'POST', headers: { ...J, 'content-length': String(size) }, body });
    expectOutcome(res, 413);
    expect(f.calls('a')).toHaveLength(0);
    await stillServing(one);
  });

  it('a body larger than 16 MiB sent chunked (no content-length) is 413 too', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 17) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fhir(`${one.url}/fhir/Patient`, { method: 'POST', headers: J, body: stream, duplex: 'half' } as RequestInit);
    expectOutcome(res, 413);
    expect(f.calls('a')).toHaveLength(0);
    await stillServing(one);
  });

  it('JSON Accept variants and _format=json are fine', async () => {
    for (const init of [{ headers: { accept: 'application/json' } }, { headers: { accept: 'application/fhir+json;q=0.9, application/fhir+xml' } }, { headers: { accept: '*/*' } }]) {
      const res = await fhir(`${one.url}/fhir/Patient/a-pat-0001`, init);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/fhir+json');
    }
    expect((await fhir(`${one.url}/fhir/Patient/a-pat-0001?_format=json`)).status).toBe(200);
    expect((await fhir(`${one.url}/fhir/Patient?_format=application/fhir%2Bjson&_count=1`)).status).toBe(200);
  });
});

describe('upstream failures', () => {
  const notMetadata = (action: Parameters<MemoryFhirServer['setFault']>[0]) => (req: { method: string; url: string; count: number }) => (isMetadata(req.url) ? undefined : action!(req));

  it('an upstream answering invalid JSON to a read is 502 OperationOutcome; to a search too', async () => {
    a.setFault(notMetadata(() => ({ kind: 'invalid-json' })));
    const read = await fhir(`${one.url}/fhir/Patient/a-pat-0001`);
    const issues = expectOutcome(read, 502);
    expect(JSON.stringify(issues)).not.toContain('resourceType":"Pat'); // none of the broken body
    expectOutcome(await fhir(`${one.url}/fhir/Patient?_count=3`), 502);
    expectOutcome(await fhir(`${one.url}/fhir/Patient/a-pat-0001/_history`), 502);
    a.setFault(undefined);
    await stillServing(one);
  });

  it('an upstream answering an empty 200 to a read is 502 OperationOutcome', async () => {
    a.setFault(notMetadata(() => ({ kind: 'empty' })));
    expectOutcome(await fhir(`${one.url}/fhir/Patient/a-pat-0001`), 502);
    a.setFault(undefined);
    await stillServing(one);
  });

  it('an upstream answering a read with another resource is 502 OperationOutcome', async () => {
    a.setFault(notMetadata((req) => (req.url === '/Patient/a-pat-0002' ? { kind: 'status', status: 200, body: JSON.stringify({ resourceType: 'Patient', id: 'a-pat-0003' }) } : undefined)));
    expectOutcome(await fhir(`${one.url}/fhir/Patient/a-pat-0002`), 502);
    a.setFault(undefined);
    await stillServing(one);
  });

  it('an upstream resetting the connection is a 5xx OperationOutcome', async () => {
    a.setFault(notMetadata(() => ({ kind: 'reset' })));
    const res = await fhir(`${one.url}/fhir/Patient/a-pat-0001`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expectOutcome(res, res.status);
    a.setFault(undefined);
    await stillServing(one);
  });

  it('an upstream 400 to a search keeps its status and OperationOutcome', async () => {
    const res = await fhir(`${one.url}/fhir/Patient?birthdate=notadate`);
    expectOutcome(res, 400);
    await stillServing(one);
  });

  it('the client going away mid-request does not stop the gateway', async () => {
    a.setLatency(300);
    try {
      const controller = new AbortController();
      const pending = fetch(`${one.url}/fhir/Patient?_count=2`, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toThrow();
    } finally {
      a.setLatency(0);
    }
    await stillServing(one);
  });
});

describe('every error carries x-request-id', () => {
  it('on a 404 and a 406', async () => {
    for (const path of ['Frobnicator', 'Patient?_format=xml']) {
      const res = await fhir(`${one.url}/fhir/${path}`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    const res = await fhir(`${one.url}/fhir/Patient/a-pat-0001`, send('POST', { resourceType: 'Patient' }));
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});
