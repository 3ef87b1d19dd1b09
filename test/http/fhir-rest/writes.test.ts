// FHIR REST writes through the shim over real sockets: create (Location and ETag at the gateway), the one source a
// write goes to (named, the only one, or the one holding the id), conditional create/update/delete, version-aware
// update (If-Match), JSON Patch, delete, `Prefer` passed on, a write sent exactly once even when the upstream answers
// 503, and batch/transaction Bundles sent whole to one source with their locations pointing at the gateway.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../../src/demo/memory-fhir-server.ts';
import { startFixture, type Fixture } from '../../helpers/fixture.ts';
import type { GatewayHandle } from '../../helpers/gateway.ts';
import { EXACT, expectOutcome, fhir, held, send } from './rest-helpers.ts';

let f: Fixture;
let p: MemoryFhirServer;
let q: MemoryFhirServer;
/** p and q (retries 2: writes must still be sent once) */
let two: GatewayHandle;
/** p only */
let one: GatewayHandle;
/** p through a proxy that records request headers */
let proxied: GatewayHandle;
let proxy: { server: Server; url: string; seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> };

/** A pass-through HTTP proxy in front of `target` that records every request's headers. */
async function recordingProxy(target: string): Promise<typeof proxy> {
  const seen: (typeof proxy)['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    const forward = request(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

beforeAll(async () => {
  const retrying = { ...EXACT, sourceDefaults: { ...EXACT.sourceDefaults, retries: 2 } };
  f = await startFixture({ sources: { p: { patients: 4, idPrefix: 'p' }, q: { patients: 4, idPrefix: 'q' } }, ...retrying });
  ({ p, q } = f.upstreams as Record<'p' | 'q', MemoryFhirServer>);
  proxy = await recordingProxy(p.baseUrl);
  two = f.gateway;
  one = await f.addGateway({ only: ['p'], ...retrying });
  proxied = await f.addGateway({ only: ['p'], ...EXACT, sourceConfig: { p: { baseUrl: proxy.url } } });
});

beforeEach(() => {
  f?.heal();
  if (proxy) proxy.seen.length = 0;
});

afterAll(async () => {
  await f?.stop();
  if (proxy) {
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
  }
});
const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', name: [{ family: 'Written', given: ['Wanda'] }], gender: 'female', ...extra });
const ident = (system: string, value: string) => ({ identifier: [{ system, value }] });

describe('create', () => {
  it('one source: 201, the resource, a Location at the gateway and an ETag; one POST upstream', async () => {
    const res = await fhir(`${one.url}/fhir/Patient`, send('POST', patient()));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ resourceType: 'Patient', name: [{ family: 'Written' }] });
    const { id, meta } = res.body;
    expect(res.headers.get('location')).toBe(`${one.url}/fhir/Patient/${id}/_history/${meta.versionId}`);
    expect(res.headers.get('etag')).toBe(`W/"${meta.versionId}"`);
    expect(f.writes('p').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /Patient']);
    const read = await fhir(res.headers.get('location')!);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('several sources without one named: 400 SOURCE_REQUIRED, nothing sent upstream', async () => {
    const res = await fhir(`${two.url}/fhir/Patient`, send('POST', patient()));
    const issues = expectOutcome(res, 400);
    expect(issues[0]!.diagnostics).toContain('{sourceId}');
    expect(f.calls('p')).toHaveLength(0);
    expect(f.calls('q')).toHaveLength(0);
  });

  it('several sources, /fhir/{sourceId}: created there, Location under that source', async () => {
    const res = await fhir(`${two.url}/fhir/q/Patient`, send('POST', patient()));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${two.url}/fhir/q/Patient/${res.body.id}/_history/${res.body.meta.versionId}`);
    expect(f.writes('q').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /Patient']);
    expect(f.calls('p')).toHaveLength(0);
    expect((await fhir(res.headers.get('location')!)).body).toEqual(res.body);
  });

  it('a body of another type than the URL names is 400, nothing sent', async () => {
    expectOutcome(await fhir(`${one.url}/fhir/Patient`, send('POST', { resourceType: 'Observation', status: 'final', code: { text: 'x' } })), 400);
    expectOutcome(await fhir(`${one.url}/fhir/Patient`, send('POST', ['not', 'a', 'resource'])), 400);
    expect(f.calls('p')).toHaveLength(0);
  });

  it('conditional create (If-None-Exist) repeated: one resource, one POST per call', async () => {
    const body = patient(ident('urn:test:cc', 'cc-1'));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await fhir(`${one.url}/fhir/Patient`, send('POST', body, { 'if-none-exist': 'identifier=urn:test:cc|cc-1' })));
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(f.writes('p').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /Patient', 'POST /Patient', 'POST /Patient']);
    expect(await held(p, 'Patient', 'identifier=urn:test:cc|cc-1')).toHaveLength(1);
  });
});

describe('update', () => {
  it('If-Match with the current version: 200 and a new ETag; with the old one: 412 OperationOutcome, unchanged', async () => {
    const read = await fhir(`${one.url}/fhir/Patient/p-pat-0001`);
    const etag = read.headers.get('etag')!;
    const updated = await fhir(`${one.url}/fhir/Patient/p-pat-0001`, send('PUT', { ...read.body, gender: 'other' }, { 'if-match': etag }));
    expect(updated.status).toBe(200);
    expect(updated.body.gender).toBe('other');
    expect(updated.headers.get('etag')).toBe(`W/"${updated.body.meta.versionId}"`);
    expect(updated.headers.get('etag')).not.toBe(etag);
    const stale = await fhir(`${one.url}/fhir/Patient/p-pat-0001`, send('PUT', { ...read.body, gender: 'unknown' }, { 'if-match': etag }));
    expectOutcome(stale, 412);
    expect(f.writes('p').map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /Patient/p-pat-0001', 'PUT /Patient/p-pat-0001']);
    expect((await fhir(`${one.url}/fhir/Patient/p-pat-0001`)).body.gender).toBe('other');
  });

  it('a body id other than the URL\'s (or none) is 400, nothing sent', async () => {
    for (const gw of [one, two]) {
      expectOutcome(await fhir(`${gw.url}/fhir/Patient/p-pat-0002`, send('PUT', patient({ id: 'p-pat-0003' }))), 400);
      expectOutcome(await fhir(`${gw.url}/fhir/Patient/p-pat-0002`, send('PUT', patient())), 400);
    }
    expect(f.calls('p')).toHaveLength(0);
    expect(f.calls('q')).toHaveLength(0);
  });

  it('two sources: an id present in only one of them is updated there (the other gets no PUT)', async () => {
    const res = await fhir(`${two.url}/fhir/Patient/q-pat-0002`, send('PUT', patient({ id: 'q-pat-0002', gender: 'male' })));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'q-pat-0002', gender: 'male', name: [{ family: 'Written' }] });
    expect(f.writes('q').map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /Patient/q-pat-0002']);
    expect(f.writes('p')).toHaveLength(0);
    expect((await held(q, 'Patient', '_id=q-pat-0002'))[0]).toMatchObject({ gender: 'male', name: [{ family: 'Written' }] });
  });

  it('two sources: an id present in neither is 400 asking for a source, nothing written', async () => {
    const res = await fhir(`${two.url}/fhir/Patient/brand-new`, send('PUT', patient({ id: 'brand-new' })));
    expectOutcome(res, 400);
    expect(f.writes('p')).toHaveLength(0);
    expect(f.writes('q')).toHaveLength(0);
  });

  it('conditional update: creates when nothing matches, then updates the match', async () => {
    const url = `${one.url}/fhir/Patient?identifier=${encodeURIComponent('urn:test:cu|cu-1')}`;
    const created = await fhir(url, send('PUT', patient(ident('urn:test:cu', 'cu-1'))));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(new RegExp(`^${one.url}/fhir/Patient/${created.body.id}/_history/`));
    const updated = await fhir(url, send('PUT', patient({ ...ident('urn:test:cu', 'cu-1'), gender: 'male' })));
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    const now = await held(p, 'Patient', 'identifier=urn:test:cu|cu-1');
    expect(now).toHaveLength(1);
    expect(now[0].gender).toBe('male');
    expect(f.writes('p').map((r) => r.method)).toEqual(['PUT', 'PUT']);
  });

  it('conditional update with several sources and none named is 400, nothing sent', async () => {
    expectOutcome(await fhir(`${two.url}/fhir/Patient?identifier=urn:x|1`, send('PUT', patient(ident('urn:x', '1')))), 400);
    expect(f.calls('p')).toHaveLength(0);
    expect(f.calls('q')).toHaveLength(0);
  });
});

describe('patch and delete', () => {
  it('JSON Patch (application/json-patch+json) is applied by the source holding the resource', async () => {
    const ops = [{ op: 'replace', path: '/gender', value: 'other' }, { op: 'add', path: '/active', value: false }];
    const res = await fhir(`${two.url}/fhir/Patient/q-pat-0001`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify(ops) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'q-pat-0001', gender: 'other', active: false });
    expect(res.headers.get('etag')).toBe(`W/"${res.body.meta.versionId}"`);
    expect(f.writes('q').map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /Patient/q-pat-0001']);
    expect(f.writes('p')).toHaveLength(0);
    expect((await fhir(`${two.url}/fhir/q/Patient/q-pat-0001`)).body).toMatchObject({ gender: 'other', active: false });
  });

  it('a patch that is not JSON is 400; a patch as text/plain is 415; nothing sent', async () => {
    expectOutcome(await fhir(`${one.url}/fhir/Patient/p-pat-0003`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: '[{op' }), 400);
    expectOutcome(await fhir(`${one.url}/fhir/Patient/p-pat-0003`, { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: '[]' }), 415);
    expect(f.calls('p')).toHaveLength(0);
  });

  it('delete, then read is 404', async () => {
    const del = await fhir(`${two.url}/fhir/Patient/q-pat-0003`, { method: 'DELETE' });
    expect([200, 204]).toContain(del.status);
    expect(f.writes('q').map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /Patient/q-pat-0003']);
    expect(f.writes('p')).toHaveLength(0);
    expectOutcome(await fhir(`${two.url}/fhir/Patient/q-pat-0003`), 404);
    expectOutcome(await fhir(`${two.url}/fhir/q/Patient/q-pat-0003`), 404);
  });

  it('conditional delete removes the match in the one source', async () => {
    const created = await f.direct('q', 'Patient', send('POST', patient(ident('urn:test:cd', 'cd-1'))));
    expect(created.status).toBe(201);
    f.resetCalls('q');
    const query = `identifier=${encodeURIComponent('urn:test:cd|cd-1')}`;
    expectOutcome(await fhir(`${two.url}/fhir/Patient?${query}`, { method: 'DELETE' }), 400); // two sources, none named
    expect(f.calls('q')).toHaveLength(0);
    const del = await fhir(`${two.url}/fhir/q/Patient?${query}`, { method: 'DELETE' });
    expect([200, 204]).toContain(del.status);
    expect(f.writes('q').map((r) => `${r.method} ${r.url}`)).toEqual([`DELETE /Patient?${query}`]);
    expect(f.calls('p')).toHaveLength(0);
    expect(await held(q, 'Patient', 'identifier=urn:test:cd|cd-1')).toHaveLength(0);
  });

  it('PUT/DELETE on a type without an id or criteria is 405 with Allow', async () => {
    const res = await fhir(`${one.url}/fhir/Patient`, { method: 'DELETE' });
    expectOutcome(res, 405);
    expect(res.headers.get('allow')).toBeTruthy();
    expect(f.calls('p')).toHaveLength(0);
  });
});

describe('Prefer and failures', () => {
  it('Prefer: return=minimal is passed to the source with a create and an update', async () => {
    const created = await fhir(`${proxied.url}/fhir/Patient`, send('POST', patient(), { prefer: 'return=minimal' }));
    expect(created.status).toBe(201);
    const updated = await fhir(`${proxied.url}/fhir/Patient/p-pat-0004`, send('PUT', patient({ id: 'p-pat-0004' }), { prefer: 'return=minimal' }));
    expect(updated.status).toBe(200);
    const sent = proxy.seen.filter((r) => r.method !== 'GET');
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /Patient', 'PUT /Patient/p-pat-0004']);
    for (const r of sent) expect(r.headers['prefer']).toBe('return=minimal');
  });

  it('a create answered 503 is sent exactly once (retries 2 are for reads) and answers 503 OperationOutcome', async () => {
    p.setFault((req) => (req.method === 'POST' ? { kind: 'status', status: 503 } : undefined));
    const res = await fhir(`${one.url}/fhir/Patient`, send('POST', patient()));
    expectOutcome(res, 503);
    expect(f.writes('p').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /Patient']);
  });

  it('an update answered 503 is sent exactly once and answers 503 OperationOutcome', async () => {
    q.setFault((req) => (req.method === 'PUT' ? { kind: 'status', status: 503 } : undefined));
    const res = await fhir(`${two.url}/fhir/q/Patient/q-pat-0004`, send('PUT', patient({ id: 'q-pat-0004' })));
    expectOutcome(res, 503);
    expect(f.writes('q').map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /Patient/q-pat-0004']);
  });

  it('a write whose connection is reset is not retried either', async () => {
    p.setFault((req) => (req.method === 'POST' ? { kind: 'reset' } : undefined));
    const res = await fhir(`${one.url}/fhir/Patient`, send('POST', patient()));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expectOutcome(res, res.status);
    expect(f.writes('p')).toHaveLength(1);
  });
});

describe('batch and transaction', () => {
  const batchOf = (type: 'batch' | 'transaction', getUrl: string) => ({
    resourceType: 'Bundle',
    type,
    entry: [
      { fullUrl: 'urn:uuid:4f2b5c1e-8d4a-4b7e-9c1f-2a3b4c5d6e7f', request: { method: 'POST', url: 'Patient' }, resource: patient({ name: [{ family: 'Batched' }] }) },
      ...(type === 'batch' ? [{ request: { method: 'GET', url: getUrl } }] : []),
    ],
  });

  it.each(['batch', 'transaction'] as const)('%s via /fhir/{sourceId}: sent whole to that source, locations at the gateway', async (type) => {
    const res = await fhir(`${two.url}/fhir/q`, send('POST', batchOf(type, 'Patient/q-pat-0001')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: `${type}-response` });
    const created = res.body.entry[0];
    expect(created.response.status).toMatch(/^201/);
    expect(created.response.location).toMatch(new RegExp(`^${two.url}/fhir/q/Patient/${created.resource.id}(/_history/[^/]+)?$`));
    expect(f.writes('q').map((r) => r.method)).toEqual(['POST']);
    expect(f.writes('q')[0]!.url).toMatch(/^\/?$/);
    expect(f.calls('p')).toHaveLength(0);
    expect(res.text).not.toContain(q.baseUrl);
    const read = await fhir(created.response.location);
    expect(read.status).toBe(200);
    expect(read.body.name[0].family).toBe('Batched');
  });

  it.each(['batch', 'transaction'] as const)('%s via /fhir with one source: locations at /fhir', async (type) => {
    const res = await fhir(`${one.url}/fhir`, send('POST', batchOf(type, 'Patient/p-pat-0001')));
    expect(res.status).toBe(200);
    const created = res.body.entry[0];
    expect(created.response.location).toMatch(new RegExp(`^${one.url}/fhir/Patient/${created.resource.id}(/_history/[^/]+)?$`));
    expect(f.writes('p').map((r) => r.method)).toEqual(['POST']);
    if (type === 'batch') expect(res.body.entry[1].resource.id).toBe('p-pat-0001');
  });

  it('a batch to /fhir with several sources serving its types is 400, nothing sent', async () => {
    const res = await fhir(`${two.url}/fhir`, send('POST', batchOf('batch', 'Patient/q-pat-0001')));
    const issues = expectOutcome(res, 400);
    expect(issues[0]!.diagnostics).toContain('{sourceId}');
    expect(f.calls('p')).toHaveLength(0);
    expect(f.calls('q')).toHaveLength(0);
  });

  it('a Bundle that is neither batch nor transaction is 400, nothing sent', async () => {
    expectOutcome(await fhir(`${one.url}/fhir`, send('POST', { resourceType: 'Bundle', type: 'collection', entry: [] })), 400);
    expectOutcome(await fhir(`${one.url}/fhir`, send('POST', patient())), 400);
    expect(f.calls('p')).toHaveLength(0);
  });
});
