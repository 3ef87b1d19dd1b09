// Oversized search values (finding 7): a 10 MB search value was put into an upstream GET URL and sent three times
// (431 / reset / 503), and 10,000 `_id`s made a 150 KB URL. Now limits.maxSearchValueLength (1,024 characters) and
// limits.maxSearchValues (100 comma-separated values), and at most 64 parameters: SEARCH_TOO_LONG naming the limit,
// nothing upstream — GraphQL root searches, reverse-reference lists, REST searches (GET and POST _search), conditional
// write criteria and history parameters (src/fhir/search-bounds.ts). GraphQL answers it as a field error (HTTP 200,
// the field null); REST as a 400 OperationOutcome.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectNothingUpstream, expectOutcome } from './hostile-helpers.ts';

type Json = Record<string, any>;

const TEN_MB = 'a'.repeat(10 * 1024 * 1024);
const IDS_10K = Array.from({ length: 10_000 }, (_, i) => `pat-${String(i).padStart(5, '0')}`).join(',');
const IDS_101 = Array.from({ length: 101 }, (_, i) => String(i)).join(','); // 291 characters: under the length limit
const LONG = 'b'.repeat(1025);

describe('oversized search values (production)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' }, sources: { a: { patients: 5, idPrefix: 'a' }, b: { patients: 5, idPrefix: 'b' } } });
  });
  afterAll(() => f?.stop());
  beforeEach(() => f.resetCalls());

  /** A GraphQL request whose field at `path` fails with SEARCH_TOO_LONG naming `limit`, nothing searched upstream. */
  async function expectGraphQLRefusal(query: string, variables: Record<string, unknown>, path: string[], limit: string): Promise<void> {
    f.resetCalls();
    const r = await f.gql<Json>(query, variables);
    expect(r.status).toBe(200);
    expect(r.errors?.map((e) => e.extensions?.['code']), JSON.stringify(r).slice(0, 400)).toEqual(['SEARCH_TOO_LONG']);
    const error = r.errors![0]!;
    expect(error.path).toEqual(path);
    expect(error.message).toContain(limit);
    expect(error.message.length).toBeLessThan(400); // the value is never echoed
    expect(error.extensions?.['resource']?.issue?.[0]?.code).toBe('too-costly');
    expect(error.extensions?.['limit']).toEqual(expect.any(Number));
    expect(f.calls().filter((c) => c.url.includes('?')).map((c) => c.url)).toEqual([]);
  }

  it('GraphQL root searches (one source, merged, List and Connection): a 10 MB value, 10,000 _ids, 101 values', async () => {
    for (const field of ['PatientList', 'PatientConnection']) {
      const selection = field === 'PatientList' ? '{ id }' : '{ count }';
      for (const source of ['', ', sourceId: "a"']) {
        await expectGraphQLRefusal(`query ($v: String) { ${field}(name: $v${source}) ${selection} }`, { v: TEN_MB }, [field], 'limits.maxSearchValueLength');
        await expectGraphQLRefusal(`query ($v: String) { ${field}(_id: $v${source}) ${selection} }`, { v: IDS_10K }, [field], 'limits.maxSearchValueLength');
        await expectGraphQLRefusal(`query ($v: String) { ${field}(_id: $v${source}) ${selection} }`, { v: IDS_101 }, [field], 'limits.maxSearchValues');
        await expectGraphQLRefusal(`query ($v: String) { ${field}(_sort: $v${source}) ${selection} }`, { v: LONG }, [field], 'limits.maxSearchValueLength');
      }
    }
  });

  it('reverse-reference lists and Connections inside a resource', async () => {
    for (const field of ['ObservationList', 'ObservationConnection']) {
      const selection = field === 'ObservationList' ? '{ id }' : '{ count }';
      const query = (arg: string) => `query ($v: String) { Patient(id: "a-pat-0001", sourceId: "a") { id ${field}(_reference: subject, ${arg}: $v) ${selection} } }`;
      await expectGraphQLRefusal(query('code'), { v: TEN_MB }, ['Patient', field], 'limits.maxSearchValueLength');
      await expectGraphQLRefusal(query('code'), { v: IDS_101 }, ['Patient', field], 'limits.maxSearchValues');
    }
  });

  it('exactly at the limits is fine (1,024 characters, 100 values): the search is sent', async () => {
    const r = await f.gql<Json>('query ($v: String, $w: String) { a: PatientList(_id: $v, sourceId: "a") { id } b: PatientList(name: $w, sourceId: "a") { id } }', {
      v: [...Array.from({ length: 5 }, (_, i) => `a-pat-000${i + 1}`), ...Array.from({ length: 95 }, (_, i) => `x${i}`)].join(','),
      w: 'c'.repeat(1024),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.a).toHaveLength(5);
    expect(r.data!.b).toEqual([]);
    expect(f.calls('a').length).toBeGreaterThanOrEqual(2);
  });

  it('REST GET searches: 400 naming the limit, nothing upstream (one source and merged)', async () => {
    for (const base of ['/fhir/Patient', '/fhir/a/Patient']) {
      const long = await expectOutcome(f.fetch(`${base}?name=${LONG}`), 400, 'SEARCH_TOO_LONG', 'too-costly');
      expect(long.issue.map((i) => i.diagnostics).join(' ')).toContain('limits.maxSearchValueLength');
      const many = await expectOutcome(f.fetch(`${base}?_id=${IDS_101}`), 400, 'SEARCH_TOO_LONG', 'too-costly');
      expect(many.issue.map((i) => i.diagnostics).join(' ')).toContain('limits.maxSearchValues');
      // the value limit holds for result parameters passed on too, and for repeated parameters
      await expectOutcome(f.fetch(`${base}?_include=${LONG}`), 400, 'SEARCH_TOO_LONG');
      await expectOutcome(f.fetch(`${base}?birthdate=ge2000&birthdate=${LONG}`), 400, 'SEARCH_TOO_LONG');
      // at most 64 parameters
      const params = Array.from({ length: 65 }, (_, i) => `birthdate=ge19${String(i % 100).padStart(2, '0')}`).join('&');
      await expectOutcome(f.fetch(`${base}?${params}`), 400, 'SEARCH_TOO_LONG');
    }
    expectNothingUpstream(f);
  });

  it('REST POST _search with a 10 MB value and 10,000 _ids in the form body: 400, nothing upstream', async () => {
    const post = (path: string, body: string) =>
      f.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    for (const path of ['/fhir/Patient/_search', '/fhir/a/Patient/_search']) {
      const t = performance.now();
      await expectOutcome(post(path, `name=${TEN_MB}`), 400, 'SEARCH_TOO_LONG', 'too-costly');
      expect(performance.now() - t).toBeLessThan(10_000);
      await expectOutcome(post(path, `_id=${encodeURIComponent(IDS_10K)}`), 400, 'SEARCH_TOO_LONG');
      await expectOutcome(post(path, `_id=${encodeURIComponent(IDS_101)}`), 400, 'SEARCH_TOO_LONG');
    }
    expectNothingUpstream(f);
  });

  it('conditional write criteria and history parameters are bounded alike', async () => {
    const resource = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'X' }] });
    const json = { 'content-type': 'application/fhir+json' };
    await expectOutcome(f.fetch(`/fhir/a/Patient?identifier=${LONG}`, { method: 'PUT', headers: json, body: resource }), 400, 'SEARCH_TOO_LONG');
    await expectOutcome(f.fetch(`/fhir/a/Patient?_id=${IDS_101}`, { method: 'DELETE' }), 400, 'SEARCH_TOO_LONG');
    await expectOutcome(f.fetch(`/fhir/a/Patient/a-pat-0001/_history?_since=${LONG}`), 400, 'SEARCH_TOO_LONG');
    expectNothingUpstream(f);
  });

  it('a history _count is capped at limits.maxCount like a search page, and must be a count', async () => {
    const res = await f.fetch('/fhir/a/Patient/a-pat-0001/_history?_count=99999999');
    expect(res.status).toBe(200);
    expect(f.calls('a').map((r) => r.url)).toEqual(['/Patient/a-pat-0001/_history?_count=500']);
    f.resetCalls();
    await expectOutcome(f.fetch('/fhir/a/Patient/a-pat-0001/_history?_count=lots'), 400, 'BAD_USER_INPUT');
    expectNothingUpstream(f);
  });
});
