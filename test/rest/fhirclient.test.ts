// fhirclient (SMART on FHIR's client-js, Node entry, unmodified: only the server URL plus standard FHIR headers)
// against the gateway's REST shim over a real socket: with ONE real upstream at `${gw.url}/fhir` (the done-when
// case), and with TWO upstreams (reads and searches fan out through `/fhir`, creates go through `/fhir/{sourceId}`).
// Every result is checked against the upstreams' own REST APIs and request logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SETUPS, bodyOfHttpError, expectGatewayUrls, expectSorted, failure, fhirclientFor, identifierQuery, matchesOf, newPatient,
  startTwoSources, upstreamCalls, upstreamSearch, upstreamUnion, upstreamWrites, urlsOf,
  type Bundle, type FhirClient, type OperationOutcome, type Patient, type Resource, type Setup,
} from './helpers.ts';

/** fhirclient rejects a non-2xx answer with an HttpError: `status`/`statusCode`, and the parsed body in its message. */
interface HttpError extends Error {
  name: 'HttpError';
  status: number;
  statusCode: number;
}

function expectOutcome(error: HttpError, status: number, issueCode?: string): OperationOutcome {
  expect(error.name, error.message).toBe('HttpError');
  expect(error.status, error.message).toBe(status);
  expect(error.statusCode).toBe(status);
  const body = bodyOfHttpError(error) as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.length).toBeGreaterThan(0);
  if (issueCode !== undefined) expect(body.issue.map((i) => i.code)).toContain(issueCode);
  return body;
}

/** `{ body, response }` of a request made with `includeResponse: true`. */
interface WithResponse<T> {
  body: T;
  response: Response;
}

/** fhirclient's CombinedFetchResult types `body` as optional: every answer tested here has one. */
function withBody<T>(result: { body?: T; response: Response }): WithResponse<T> {
  expect(result.body).toBeDefined();
  return { body: result.body!, response: result.response };
}

/**
 * fhirclient's own resource type makes `meta.lastUpdated` required (FHIR has it optional, and a new resource has no
 * meta at all); resources go to its write methods through this one typed view.
 */
type FcResource = Parameters<FhirClient['create']>[0];
const fc = (resource: Resource): FcResource => resource as FcResource;

describe.each(SETUPS)('fhirclient through the gateway (%s)', (_name, start) => {
  let s: Setup;
  let client: FhirClient;
  /** The client that creates: the same as `client` with one source, one for `/fhir/{sourceId}` with two. */
  let writer: FhirClient;

  beforeAll(async () => {
    s = await start();
    client = fhirclientFor(s.base);
    writer = fhirclientFor(s.writeBase);
  });
  afterAll(async () => {
    await s?.stop();
  });

  async function created(tag: string): Promise<Patient> {
    const p = (await writer.create(fc(newPatient(tag)))) as Patient;
    expect(p.id).toEqual(expect.any(String));
    return p;
  }

  it("request('metadata') is the gateway's R4 CapabilityStatement; getFhirRelease() is 4", async () => {
    const cs = await client.request<{ resourceType: string; fhirVersion: string; implementation: { url: string }; rest: Array<{ resource: Array<{ type: string; interaction: Array<{ code: string }> }> }> }>('metadata');
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.implementation.url).toBe(s.base);
    const codes = cs.rest[0]!.resource.find((r) => r.type === 'Patient')!.interaction.map((i) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['read', 'vread', 'search-type', 'update', 'patch', 'delete', 'history-instance']));
    // With two sources serving Patient, create is declared under [base]/{sourceId} only.
    expect(codes.includes('create')).toBe(s.writeBase === s.base);
    expect(await client.getFhirRelease()).toBe(4);
  });

  it("request('Patient/id') reads the upstream's resource; with includeResponse its ETag", async () => {
    for (const sourceId of Object.keys(s.upstreams)) {
      const id = `${sourceId}-pat-0005`;
      const p = await client.request<Patient>(`Patient/${id}`);
      expect(p).toEqual((await s.direct(sourceId, `Patient/${id}`)).body);
      const { body, response } = await client.request<WithResponse<Patient>>({ url: `Patient/${id}`, includeResponse: true });
      expect(body).toEqual(p);
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe('W/"1"');
      expect(response.headers.get('content-location')).toBe(s.fullUrl(sourceId, `Patient/${id}/_history/1`));
    }
    expectOutcome(await failure<HttpError>(() => client.request('Patient/no-such-patient')), 404, 'not-found');
  });

  it("request('Patient/id/_history/1') reads that version (vread)", async () => {
    const id = `${s.writeSource}-pat-0006`;
    expect(await client.request<Patient>(`Patient/${id}/_history/1`)).toEqual(await client.request<Patient>(`Patient/${id}`));
    expectOutcome(await failure<HttpError>(() => client.request(`Patient/${id}/_history/999`)), 404, 'not-found');
  });

  it('a search with parameters and _sort returns every match of every source, sorted, with gateway fullUrls', async () => {
    for (const sort of ['birthdate', '-birthdate']) {
      const found = await client.request<Bundle>(`Patient?gender=male&_sort=${sort}&_count=100`);
      const expected = await upstreamUnion(s, 'Patient?gender=male');
      expect(found.total).toBe(expected.length);
      const entries = matchesOf(found);
      expect(entries.map((e) => e.resource!.id).sort()).toEqual(expected.map((e) => e.resource.id).sort());
      for (const e of entries) {
        const origin = expected.find((x) => x.resource.id === e.resource!.id)!;
        expect(e.fullUrl).toBe(s.fullUrl(origin.sourceId, `Patient/${e.resource!.id}`));
      }
      expectSorted(entries.map((e) => (e.resource as Patient).birthDate), sort.startsWith('-'));
      expectGatewayUrls(s, urlsOf(found));
    }
  });

  it('request(..., { pageLimit: 0 }) follows every next link: each patient once, as many as Bundle.total', async () => {
    const expected = (await upstreamUnion(s, 'Patient')).map((e) => e.resource.id!).sort();
    const pages = await client.request<Bundle[]>('Patient?_count=6&_sort=birthdate', { pageLimit: 0 });
    expect(pages.length).toBe(Math.ceil(expected.length / 6));
    const ids = pages.flatMap((p) => matchesOf(p).map((e) => e.resource!.id!));
    expect(ids).toHaveLength(expected.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(expected);
    for (const p of pages) {
      expect(p.total).toBe(expected.length);
      expectGatewayUrls(s, urlsOf(p));
    }
    expectSorted(pages.flatMap((p) => matchesOf(p).map((e) => (e.resource as Patient).birthDate)));
  });

  it('request(..., { pageLimit: 0, flat: true }) and the pages() iterator return the same patients, each once', async () => {
    const expected = (await upstreamUnion(s, 'Patient')).map((e) => e.resource.id!).sort();
    const flat = await client.request<Patient[]>('Patient?_count=8', { pageLimit: 0, flat: true });
    expect(flat.map((p) => p.id).sort()).toEqual(expected);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of client.pages(`Patient?_count=8&_sort=-birthdate`)) {
      pages++;
      expect(pages).toBeLessThanOrEqual(Math.ceil(expected.length / 8));
      expect(page.total).toBe(expected.length);
      expectGatewayUrls(s, urlsOf(page as Bundle));
      seen.push(...matchesOf(page as Bundle).map((e) => e.resource!.id!));
    }
    expect(seen).toHaveLength(expected.length);
    expect([...seen].sort()).toEqual(expected);
  });

  it('resolveReferences resolves Observation.subject through the gateway', async () => {
    const observations = await client.request<Array<Resource & { subject: Patient }>>('Observation?_count=3', { flat: true, resolveReferences: ['subject'] });
    expect(observations).toHaveLength(3);
    for (const o of observations) {
      expect(o.subject.resourceType).toBe('Patient');
      const [prefix] = o.id!.split('-');
      expect(o.subject).toEqual((await s.direct(prefix!, `Patient/${o.subject.id}`)).body);
    }
  });

  it('create() sends one POST to the source; the answer is 201 with a Location at the gateway', async () => {
    const before = upstreamCalls(s, s.writeSource, 'POST', '/Patient');
    const resource = newPatient('fc-create');
    const { body, response } = withBody(await writer.create<Patient, { includeResponse: true }>(fc(resource), { includeResponse: true }));
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ ...resource, id: expect.any(String), meta: { versionId: expect.any(String) } });
    expect(response.headers.get('location')).toBe(`${s.writeBase}/Patient/${body.id}/_history/${body.meta!.versionId}`);
    expectGatewayUrls(s, [response.headers.get('location')]);
    expect(upstreamCalls(s, s.writeSource, 'POST', '/Patient')).toBe(before + 1);
    expect((await s.direct(s.writeSource, `Patient/${body.id}`)).body).toEqual(body);
    expect(await client.request<Patient>(`Patient/${body.id}`)).toEqual(body);
  });

  it('create() with If-None-Exist, repeated, leaves exactly one resource; one POST per call, none sent twice', async () => {
    const resource = newPatient('fc-cond');
    const options = { includeResponse: true as const, headers: { 'If-None-Exist': identifierQuery(resource) } };
    const writesBefore = Object.fromEntries(Object.keys(s.upstreams).map((id) => [id, upstreamWrites(s, id).length]));
    const first = withBody(await writer.create<Patient, typeof options>(fc(resource), options));
    const second = withBody(await writer.create<Patient, typeof options>(fc(resource), options));
    expect(first.response.status).toBe(201);
    expect(second.response.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect((await upstreamSearch(s, s.writeSource, `Patient?${identifierQuery(resource)}`)).map((r) => r.id)).toEqual([first.body.id]);
    const found = await client.request<Bundle>(`Patient?${identifierQuery(resource)}`);
    expect(found.total).toBe(1);
    expect(matchesOf(found).map((e) => e.resource!.id)).toEqual([first.body.id]);
    for (const id of Object.keys(s.upstreams)) {
      expect(upstreamWrites(s, id).slice(writesBefore[id]!)).toEqual(id === s.writeSource ? ['POST /Patient', 'POST /Patient'] : []);
    }
  });

  it('update() with the current version in If-Match succeeds; with a stale one it is an HttpError 412 with an OperationOutcome', async () => {
    const p = await created('fc-update');
    const { body: read, response } = await client.request<WithResponse<Patient>>({ url: `Patient/${p.id}`, includeResponse: true });
    const etag = response.headers.get('etag')!;
    expect(etag).toBe(`W/"${p.meta!.versionId}"`);
    const putsBefore = upstreamCalls(s, s.writeSource, 'PUT', `/Patient/${p.id}`);

    const updated = withBody(
      await client.update<Patient, { includeResponse: true; headers: Record<string, string> }>(
        fc({ ...read, gender: 'female' }),
        { includeResponse: true, headers: { 'If-Match': etag } },
      ),
    );
    expect(updated.response.status).toBe(200);
    expect(updated.body.gender).toBe('female');
    expect(updated.response.headers.get('etag')).toBe(`W/"${updated.body.meta!.versionId}"`);

    expectOutcome(await failure<HttpError>(() => client.update(fc({ ...read, gender: 'male' }), { headers: { 'If-Match': etag } })), 412);
    expect((await s.direct(s.writeSource, `Patient/${p.id}`)).body).toMatchObject({ gender: 'female', meta: { versionId: updated.body.meta!.versionId } });
    expect(upstreamCalls(s, s.writeSource, 'PUT', `/Patient/${p.id}`)).toBe(putsBefore + 2);
  });

  it('patch() applies a JSON Patch; with a stale If-Match it is 412', async () => {
    const p = await created('fc-patch');
    const patched = await client.patch<Patient>(`Patient/${p.id}`, [{ op: 'replace', path: '/gender', value: 'unknown' }]);
    expect(patched.gender).toBe('unknown');
    expect((await s.direct(s.writeSource, `Patient/${p.id}`)).body).toMatchObject({ gender: 'unknown' });
    expectOutcome(
      await failure<HttpError>(() => client.patch(`Patient/${p.id}`, [{ op: 'replace', path: '/gender', value: 'male' }], { headers: { 'If-Match': `W/"${p.meta!.versionId}"` } })),
      412,
    );
    expect(upstreamCalls(s, s.writeSource, 'PATCH', `/Patient/${p.id}`)).toBe(2);
  });

  it('delete() removes the resource; a read then is an HttpError 404 with an OperationOutcome', async () => {
    const p = await created('fc-delete');
    const answer = await client.delete<OperationOutcome>(`Patient/${p.id}`);
    expect(answer.resourceType).toBe('OperationOutcome');
    expect(upstreamCalls(s, s.writeSource, 'DELETE', `/Patient/${p.id}`)).toBe(1);
    expect((await s.direct(s.writeSource, `Patient/${p.id}`)).status).toBe(404);
    expectOutcome(await failure<HttpError>(() => client.request(`Patient/${p.id}`)), 404, 'not-found');
  });

  it("request('Patient/id/_history') lists the versions, newest first", async () => {
    const p = await created('fc-history');
    const v2 = (await client.update(fc({ ...p, gender: 'female' }))) as Patient;
    const history = await client.request<Bundle>(`Patient/${p.id}/_history`);
    expect(history.type).toBe('history');
    expect(history.entry!.map((e) => e.resource!.meta!.versionId)).toEqual([v2.meta!.versionId, p.meta!.versionId]);
    expectGatewayUrls(s, urlsOf(history));
    expect(await client.request<Patient>(`Patient/${p.id}/_history/${p.meta!.versionId}`)).toEqual(history.entry![1]!.resource);
  });
});

describe('fhirclient through the gateway (two sources only)', () => {
  let s: Setup;
  let client: FhirClient;

  beforeAll(async () => {
    s = await startTwoSources();
    client = fhirclientFor(s.base);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('a create through /fhir is refused (not-supported, naming /fhir/{sourceId}) and reaches no source', async () => {
    const writes = Object.keys(s.upstreams).map((id) => upstreamWrites(s, id).length);
    const outcome = expectOutcome(await failure<HttpError>(() => client.create(fc(newPatient('fc-nowhere')))), 400, 'not-supported');
    expect(outcome.issue[0]!.diagnostics).toContain(`${s.base}/{sourceId}/Patient`);
    expect(Object.keys(s.upstreams).map((id) => upstreamWrites(s, id).length)).toEqual(writes);
  });

  it('updates and deletes through /fhir reach the one source that has the resource', async () => {
    const p = (await fhirclientFor(`${s.base}/a`).create(fc(newPatient('fc-owner')))) as Patient;
    const before = { a: upstreamWrites(s, 'a').length, b: upstreamWrites(s, 'b').length };
    await client.update(fc({ ...p, gender: 'female' }));
    await client.delete(`Patient/${p.id}`);
    expect(upstreamWrites(s, 'a').slice(before.a)).toEqual([`PUT /Patient/${p.id}`, `DELETE /Patient/${p.id}`]);
    expect(upstreamWrites(s, 'b').slice(before.b)).toEqual([]);
  });
});
