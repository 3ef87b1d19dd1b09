// FHIR REST reads through the shim over real sockets: read and vread with their validators (ETag, Last-Modified,
// Content-Location at the gateway), conditional read (If-None-Match → 304), an id present in two sources (409,
// multiple-matches, unless the path names the source), missing and invalid ids, and instance and type history with
// paging links that point at the gateway.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../../src/demo/memory-fhir-server.ts';
import { startFixture, type Fixture } from '../../helpers/fixture.ts';
import type { GatewayHandle } from '../../helpers/gateway.ts';
import { EXACT, expectOutcome, fhir, linkOf, send } from './rest-helpers.ts';

const META = { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' };
const shared = (family: string) => ({ resourceType: 'Patient', id: 'shared-1', meta: { ...META }, name: [{ family }], gender: 'unknown' });

let f: Fixture;
let x: MemoryFhirServer;
/** x and y */
let two: GatewayHandle;
/** x only */
let one: GatewayHandle;

beforeAll(async () => {
  f = await startFixture({
    sources: {
      x: { patients: 6, idPrefix: 'x', resources: [shared('FromX')] },
      y: { patients: 5, idPrefix: 'y', resources: [shared('FromY')] },
    },
    ...EXACT,
  });
  x = f.upstreams.x!;
  two = f.gateway;
  one = await f.addGateway({ only: ['x'], ...EXACT });
});

beforeEach(() => f?.heal());

afterAll(() => f?.stop());

const direct = async (id: string, path: string) => (await f.direct(id, path)).body;

describe('read', () => {
  it('one source: the upstream\'s resource, with ETag, Last-Modified and Content-Location at the gateway', async () => {
    const res = await fhir(`${one.url}/fhir/Patient/x-pat-0001`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.body).toEqual(await direct('x', 'Patient/x-pat-0001'));
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(res.headers.get('content-location')).toBe(`${one.url}/fhir/Patient/x-pat-0001/_history/1`);
    expect(f.calls('x').map((r) => `${r.method} ${r.url}`)).toEqual(['GET /Patient/x-pat-0001', 'GET /Patient/x-pat-0001']); // ours + direct()
  });

  it('two sources: the one that has it answers; Content-Location names that source', async () => {
    const res = await fhir(`${two.url}/fhir/Patient/y-pat-0002`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('y-pat-0002');
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('content-location')).toBe(`${two.url}/fhir/y/Patient/y-pat-0002/_history/1`);
    expect(f.calls('x')).toHaveLength(1);
    expect(f.calls('y')).toHaveLength(1);
    // the Content-Location reads that version again
    const again = await fhir(res.headers.get('content-location')!);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  it('vread: a version that exists, and one that does not (404 OperationOutcome)', async () => {
    const res = await fhir(`${two.url}/fhir/Patient/x-pat-0003/_history/1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Patient', id: 'x-pat-0003', meta: { versionId: '1' } });
    expect(res.headers.get('etag')).toBe('W/"1"');
    expectOutcome(await fhir(`${two.url}/fhir/Patient/x-pat-0003/_history/999`), 404, 'not-found');
    expectOutcome(await fhir(`${one.url}/fhir/Patient/x-pat-0003/_history/999`), 404, 'not-found');
  });

  it('If-None-Match with the current ETag is 304 without a body; another ETag is 200', async () => {
    for (const [gw, path] of [[one, 'Patient/x-pat-0001'], [two, 'Patient/x-pat-0001'], [two, 'x/Patient/x-pat-0001']] as const) {
      const res = await fhir(`${gw.url}/fhir/${path}`, { headers: { 'if-none-match': 'W/"1"' } });
      expect(res.status, `${gw === one ? 'one' : 'two'} ${path}`).toBe(304);
      expect(res.text).toBe('');
      expect(res.headers.get('etag')).toBe('W/"1"');
      const changed = await fhir(`${gw.url}/fhir/${path}`, { headers: { 'if-none-match': 'W/"7"' } });
      expect(changed.status).toBe(200);
      expect(changed.body.id).toBe('x-pat-0001');
    }
  });

  it('an id present in two sources is 409 with issue code multiple-matches, naming both', async () => {
    const res = await fhir(`${two.url}/fhir/Patient/shared-1`);
    const issues = expectOutcome(res, 409, 'multiple-matches');
    expect(issues[0]!.diagnostics).toContain('x');
    expect(issues[0]!.diagnostics).toContain('y');
    expect(f.calls('x')).toHaveLength(1);
    expect(f.calls('y')).toHaveLength(1);
  });

  it('the same id through /fhir/{sourceId} is that source\'s resource, asking only it', async () => {
    const fromX = await fhir(`${two.url}/fhir/x/Patient/shared-1`);
    expect(fromX.status).toBe(200);
    expect(fromX.body.name[0].family).toBe('FromX');
    expect(fromX.headers.get('content-location')).toBe(`${two.url}/fhir/x/Patient/shared-1/_history/1`);
    const fromY = await fhir(`${two.url}/fhir/y/Patient/shared-1`);
    expect(fromY.status).toBe(200);
    expect(fromY.body.name[0].family).toBe('FromY');
    expect(f.calls('x')).toHaveLength(1);
    expect(f.calls('y')).toHaveLength(1);
  });

  it('an unknown id is 404 OperationOutcome after asking every source once', async () => {
    expectOutcome(await fhir(`${two.url}/fhir/Patient/nobody-here`), 404, 'not-found');
    expect(f.calls('x')).toHaveLength(1);
    expect(f.calls('y')).toHaveLength(1);
    expectOutcome(await fhir(`${one.url}/fhir/Patient/nobody-here`), 404, 'not-found');
    expectOutcome(await fhir(`${two.url}/fhir/y/Patient/x-pat-0001`), 404, 'not-found');
  });

  it.each(['bad_id', 'a'.repeat(65), 'has%20space', 'semi%3Bcolon'])('invalid id %s is 400, nothing sent upstream', async (id) => {
    for (const gw of [one, two]) {
      expectOutcome(await fhir(`${gw.url}/fhir/Patient/${id}`), 400);
      expectOutcome(await fhir(`${gw.url}/fhir/Patient/x-pat-0001/_history/${id}`), 400);
    }
    expect(f.calls('x')).toHaveLength(0);
    expect(f.calls('y')).toHaveLength(0);
  });
});

describe('history', () => {
  /** Upstream `u` answers GETs of `path` (and its paging) with `bundle`, as a server with history paging would. */
  function serveHistory(u: MemoryFhirServer, path: string, bundle: (url: string) => object): void {
    u.setFault((req) => (req.method === 'GET' && (req.url === path || req.url.startsWith(`${path}?`)) ? { kind: 'status', status: 200, body: JSON.stringify(bundle(req.url)) } : undefined));
  }
  /** A history Bundle of `u` for `path`, with absolute paging links and fullUrls on u's base. */
  const historyOf = (u: MemoryFhirServer, path: string, entries: object[]) => ({
    resourceType: 'Bundle',
    type: 'history',
    total: 3,
    link: [
      { relation: 'self', url: `${u.baseUrl}/${path}?_count=1` },
      { relation: 'next', url: `${u.baseUrl}/${path}?_count=1&_offset=1` },
      { relation: 'last', url: `${u.baseUrl}/${path}?_count=1&_offset=2` },
      { relation: 'elsewhere', url: 'http://other.example/fhir/Patient/_history' },
    ],
    entry: entries,
  });

  it('instance history: every version, newest first, from the source that has the resource', async () => {
    const current = await direct('x', 'Patient/x-pat-0004');
    const put = await f.direct('x', 'Patient/x-pat-0004', send('PUT', { ...current, gender: 'other' }));
    expect(put.status).toBe(200);
    f.resetCalls('x');
    const res = await fhir(`${two.url}/fhir/Patient/x-pat-0004/_history`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    expect(res.body.entry.map((e: any) => e.resource.gender)).toEqual(['other', current.gender]);
    expect(res.body.entry.map((e: any) => e.resource.id)).toEqual(['x-pat-0004', 'x-pat-0004']);
    expect(f.calls('x').map((r) => r.url)).toEqual(['/Patient/x-pat-0004/_history']);
    expect(f.calls('y').map((r) => r.url)).toEqual(['/Patient/x-pat-0004/_history']);
    // one source: the same
    const single = await fhir(`${one.url}/fhir/Patient/x-pat-0004/_history`);
    expect(single.status).toBe(200);
    expect(single.body.entry).toHaveLength(2);
  });

  it('history of an unknown id is 404 OperationOutcome', async () => {
    expectOutcome(await fhir(`${two.url}/fhir/Patient/nobody-here/_history`), 404, 'not-found');
  });

  it('instance history paging links and fullUrls point at the gateway, and following them reaches the upstream\'s link', async () => {
    const path = 'Patient/x-pat-0005/_history';
    const entry = (v: string) => ({ fullUrl: `${x.baseUrl}/Patient/x-pat-0005/_history/${v}`, resource: { resourceType: 'Patient', id: 'x-pat-0005', meta: { versionId: v } }, request: { method: 'PUT', url: 'Patient/x-pat-0005' } });
    serveHistory(x, `/${path}`, (url) => historyOf(x, path, [entry(url.includes('_offset=1') ? '2' : '3')]));
    const res = await fhir(`${two.url}/fhir/${path}?_count=1`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(x.baseUrl);
    expect(res.text).not.toContain('other.example');
    for (const link of res.body.link) expect(link.url.startsWith(`${two.url}/fhir/`), link.url).toBe(true);
    expect(res.body.link.map((l: any) => l.relation)).toEqual(['self', 'next', 'last']);
    expect(res.body.entry[0].fullUrl).toBe(`${two.url}/fhir/x/Patient/x-pat-0005/_history/3`);
    f.resetCalls();
    const next = await fhir(linkOf(res.body, 'next')!);
    expect(next.status).toBe(200);
    expect(next.body.entry[0].resource.meta.versionId).toBe('2');
    expect(f.calls('x').map((r) => r.url)).toEqual([`/${path}?_count=1&_offset=1`]);
    expect(f.calls('y')).toHaveLength(0);
  });

  it('a history _cursor of another resource or a made-up one is 400, nothing sent', async () => {
    const path = 'Patient/x-pat-0005/_history';
    serveHistory(x, `/${path}`, () => historyOf(x, path, []));
    const res = await fhir(`${two.url}/fhir/${path}`);
    const cursor = new URL(linkOf(res.body, 'next')!).searchParams.get('_cursor')!;
    f.resetCalls();
    expectOutcome(await fhir(`${two.url}/fhir/Patient/x-pat-0006/_history?_cursor=${cursor}`), 400);
    expectOutcome(await fhir(`${two.url}/fhir/y/${path}?_cursor=${cursor}`), 400);
    expectOutcome(await fhir(`${two.url}/fhir/${path}?_cursor=not-a-cursor`), 400);
    const forged = Buffer.from(JSON.stringify({ s: 'x', l: 'Patient/x-pat-0005/_history/../../Observation' })).toString('base64url');
    expectOutcome(await fhir(`${two.url}/fhir/${path}?_cursor=${forged}`), 400);
    expect(f.calls('x')).toHaveLength(0);
    expect(f.calls('y')).toHaveLength(0);
  });

  it('type history with two sources serving the type is 400 asking for a source, nothing sent', async () => {
    const res = await fhir(`${two.url}/fhir/Patient/_history`);
    const issues = expectOutcome(res, 400);
    expect(issues[0]!.diagnostics).toContain('{sourceId}');
    expect(f.calls('x')).toHaveLength(0);
    expect(f.calls('y')).toHaveLength(0);
  });

  it('type history with one source (or the source in the path) is passed to it, links at the gateway', async () => {
    const path = 'Patient/_history';
    serveHistory(x, `/${path}`, () => historyOf(x, path, [{ fullUrl: `${x.baseUrl}/Patient/x-pat-0001`, resource: { resourceType: 'Patient', id: 'x-pat-0001' } }]));
    for (const [gw, prefix] of [[one, ''], [two, 'x/']] as const) {
      f.resetCalls('x');
      const res = await fhir(`${gw.url}/fhir/${prefix}${path}?_count=1`);
      expect(res.status).toBe(200);
      expect(res.body.type).toBe('history');
      expect(res.text).not.toContain(x.baseUrl);
      for (const link of res.body.link) expect(link.url.startsWith(`${gw.url}/fhir/${prefix}Patient/_history`), link.url).toBe(true);
      expect(res.body.entry[0].fullUrl).toBe(`${gw.url}/fhir/${prefix}Patient/x-pat-0001`);
      expect(f.calls('x').map((r) => r.url)).toEqual([`/${path}?_count=1`]);
      const next = await fhir(linkOf(res.body, 'next')!);
      expect(next.status).toBe(200);
      expect(f.calls('x').map((r) => r.url)).toEqual([`/${path}?_count=1`, `/${path}?_count=1&_offset=1`]);
    }
    expect(f.calls('y')).toHaveLength(0);
  });
});
