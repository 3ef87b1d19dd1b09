import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { generateSyntheticResources, NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';
import { startUpstream } from '../helpers/upstream.ts';

const FHIR = { 'content-type': 'application/fhir+json' };
let server: MemoryFhirServer;
const data = generateSyntheticResources({ patients: 10, seed: 1 });

async function get<T>(url: string): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url.startsWith('http') ? url : server.baseUrl + url);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}
const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => e.resource!.id!);

beforeAll(async () => {
  server = await startUpstream({ patients: 10 });
});
afterAll(() => server.close());

describe('memory FHIR server over HTTP', () => {
  it('serves a CapabilityStatement at /metadata', async () => {
    const { status, body, headers } = await get<CapabilityStatement>('/metadata');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(body.resourceType).toBe('CapabilityStatement');
    expect(body.fhirVersion).toBe('4.0.1');
    const patient = body.rest?.[0]?.resource?.find((r) => r.type === 'Patient');
    expect(patient?.interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['read', 'search-type', 'create', 'update', 'delete']));
    const params = Object.fromEntries((patient?.searchParam ?? []).map((p) => [p.name, p]));
    expect(params['birthdate']).toMatchObject({ type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/individual-birthdate' });
    expect(params['identifier']?.type).toBe('token');
    expect(params['_id']?.type).toBe('token');
    expect(body.rest?.[0]?.resource?.find((r) => r.type === 'Observation')?.searchParam?.some((p) => p.name === 'subject')).toBe(true);
  });

  it('reads by id with ETag and Last-Modified; a missing id is a 404 OperationOutcome', async () => {
    const ok = await get<Patient>('/Patient/pat-0003');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(data.find((r) => r.id === 'pat-0003'));
    expect(ok.headers.get('etag')).toBe('W/"1"');
    expect(ok.headers.get('last-modified')).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    const missing = await get<OperationOutcome>('/Patient/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    expect(missing.body.issue[0]?.code).toBe('not-found');
  });

  it('searches _id with comma OR', async () => {
    const { body } = await get<Bundle>('/Patient?_id=pat-0002,pat-0005,pat-0009');
    expect(ids(body).sort()).toEqual(['pat-0002', 'pat-0005', 'pat-0009']);
    expect(body.total).toBe(3);
  });

  it('reverse reference: Observation?subject=Patient/x,Patient/y returns only those patients\' observations', async () => {
    const { body } = await get<Bundle<Observation>>('/Observation?subject=Patient/pat-0001,Patient/pat-0004');
    const expected = data.filter((r) => r.resourceType === 'Observation' && ['Patient/pat-0001', 'Patient/pat-0004'].includes((r as Observation).subject!.reference!));
    expect(ids(body).sort()).toEqual(expected.map((r) => r.id).sort());
    // Medplum needs typed references: a bare id matches nothing.
    expect((await get<Bundle>('/Observation?subject=pat-0001')).body.total).toBe(0);
  });

  it('sorts with _sort=family and _sort=-date', async () => {
    const byFamily = (await get<Bundle<Patient>>('/Patient?_sort=family')).body.entry!.map((e) => e.resource!.name![0]!.family!);
    expect(byFamily).toEqual([...byFamily].sort());
    const dates = (await get<Bundle<Observation>>('/Observation?subject=Patient/pat-0002&_sort=-date')).body.entry!.map((e) => e.resource!.effectiveDateTime!);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('pages with _count via absolute next links, visiting every patient exactly once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${server.baseUrl}/Patient?gender:not=other&_count=3`;
    let pages = 0;
    while (url) {
      const { body }: { body: Bundle } = await get<Bundle>(url);
      expect(body.total).toBe(10);
      expect(body.link?.find((l) => l.relation === 'self')?.url).toBe(url);
      expect(Boolean(body.link?.some((l) => l.relation === 'previous'))).toBe(pages > 0);
      seen.push(...ids(body));
      url = body.link?.find((l) => l.relation === 'next')?.url;
      if (url) expect(url.startsWith(`${server.baseUrl}/Patient?`)).toBe(true);
      pages++;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `pat-${String(i + 1).padStart(4, '0')}`));
    // Without _count everything comes back with only a self link.
    const all = (await get<Bundle>('/Patient')).body;
    expect(all.entry).toHaveLength(10);
    expect(all.link?.map((l) => l.relation)).toEqual(['self']);
  });

  it('supports POST _search with a form body, with paging links', async () => {
    const res = await fetch(`${server.baseUrl}/Patient/_search`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_id=pat-0001,pat-0002,pat-0003&_count=2',
    });
    const body = (await res.json()) as Bundle;
    expect(ids(body)).toEqual(['pat-0001', 'pat-0002']);
    expect(body.link?.find((l) => l.relation === 'next')?.url).toBe(`${server.baseUrl}/Patient?_id=pat-0001,pat-0002,pat-0003&_count=2&_offset=2`);
  });

  it('unknown params give 200 with no matches; invalid values give 400', async () => {
    const unknown = await get<Bundle>('/Patient?foo=bar');
    expect(unknown.status).toBe(200);
    expect(unknown.body.total).toBe(0);
    const invalid = await get<OperationOutcome>('/Patient?birthdate=notadate');
    expect(invalid.status).toBe(400);
    expect(invalid.body.resourceType).toBe('OperationOutcome');
  });

  it('finds a patient by national identifier', async () => {
    const patient = data.find((r) => r.id === 'pat-0007') as Patient;
    const ssn = patient.identifier!.find((i) => i.system === NATIONAL_ID_SYSTEM)!.value!;
    expect(ids((await get<Bundle>(`/Patient?identifier=${NATIONAL_ID_SYSTEM}|${ssn}`)).body)).toEqual(['pat-0007']);
  });

  it('create, update, patch, delete; malformed JSON is a 400 OperationOutcome', async () => {
    const bad = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: FHIR, body: '{"resourceType":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');

    const created = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: FHIR, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Newman' }] }) });
    expect(created.status).toBe(201);
    const p = (await created.json()) as Patient;
    expect(created.headers.get('location')).toBe(`${server.baseUrl}/Patient/${p.id}/_history/${p.meta!.versionId}`);
    expect(created.headers.get('etag')).toBe(`W/"${p.meta!.versionId}"`);

    const updated = await fetch(`${server.baseUrl}/Patient/${p.id}`, { method: 'PUT', headers: FHIR, body: JSON.stringify({ ...p, gender: 'female' }) });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as Patient).gender).toBe('female');

    const patched = await fetch(`${server.baseUrl}/Patient/${p.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'add', path: '/active', value: false }]),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Patient).active).toBe(false);

    expect((await fetch(`${server.baseUrl}/Patient/${p.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await get<OperationOutcome>(`/Patient/${p.id}`)).status).toBe(404);
  });

  it('records requests as received', async () => {
    server.resetRequests();
    await get('/Patient/pat-0001');
    await get('/Observation?subject=Patient/pat-0001,Patient/pat-0002&_count=2');
    await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: FHIR, body: '{}' }).then((r) => r.arrayBuffer());
    expect(server.requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/Patient/pat-0001'],
      ['GET', '/Observation?subject=Patient/pat-0001,Patient/pat-0002&_count=2'],
      ['POST', '/Patient'],
    ]);
    expect(server.requests[0]!.at).toBeLessThanOrEqual(server.requests[1]!.at);
  });

  it('two servers coexist, each with its own ids and a shared national id per person', async () => {
    const a = await startUpstream({ patients: 5, idPrefix: 'a', basePath: '/fhir' });
    const b = await startUpstream({ patients: 5, idPrefix: 'b' });
    try {
      expect(a.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
      expect(a.baseUrl).not.toBe(b.baseUrl);
      expect((await fetch(`${a.baseUrl}/Patient/a-pat-0002`)).status).toBe(200);
      expect((await fetch(`${b.baseUrl}/Patient/a-pat-0002`)).status).toBe(404);
      expect((await fetch(a.baseUrl.replace(/\/fhir$/, '/Patient/a-pat-0002'))).status).toBe(404);
      const ssnOf = async (s: MemoryFhirServer, id: string): Promise<string | undefined> =>
        ((await (await fetch(`${s.baseUrl}/Patient/${id}`)).json()) as Patient).identifier?.find((i) => i.system === NATIONAL_ID_SYSTEM)?.value;
      const ssn = await ssnOf(a, 'a-pat-0002');
      expect(ssn).toBe(await ssnOf(b, 'b-pat-0002'));
      const found = (await (await fetch(`${b.baseUrl}/Patient?identifier=${NATIONAL_ID_SYSTEM}|${ssn}`)).json()) as Bundle;
      expect(ids(found)).toEqual(['b-pat-0002']);
      expect(a.requests.map((r) => r.url)).toEqual(['/fhir/Patient/a-pat-0002', '/Patient/a-pat-0002', '/fhir/Patient/a-pat-0002']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
