// Batching details over a real FHIR server: URL-length chunking of _id and reference batches, order
// restored, per-parent splitting by the search parameter's element, and next-link following.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitByReference } from '../../src/loaders/split-by-reference.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

type Json = Record<string, any>;
let small: Fixture;

beforeAll(async () => {
  // a tiny URL budget and page size force several chunks and several pages
  small = await startFixture({ sources: { demo: { patients: 40 } }, config: { limits: { maxUrlLength: 256, maxCount: 25, defaultCount: 20 } } });
});
afterAll(() => small?.stop());

describe('batching under a small URL budget', () => {
  it('splits a batch into URL-sized chunks, asks for each target once, and gives each parent its own', async () => {
    small.resetCalls();
    const res = await small.gql(`{ PatientList(_count: 25, _sort: "family") { id
      generalPractitioner { reference resource { ... on Practitioner { id } } }
      ConditionList(_reference: subject, _count: 25) { subject { reference } } } }`);
    expect(res.errors).toBeUndefined();
    const list = (res.data as Json)['PatientList'] as Json[];
    expect(list).toHaveLength(25);
    for (const p of list) {
      for (const gp of p['generalPractitioner']) expect(`Practitioner/${gp.resource.id}`).toBe(gp.reference);
      for (const c of p['ConditionList']) expect(c.subject.reference).toBe(`Patient/${p['id']}`);
    }
    const chunks = small.calls().filter((r) => r.url.startsWith('/Condition?') && !r.url.includes('_offset=')); // first pages
    expect(chunks.length).toBeGreaterThan(1);
    for (const r of chunks) expect(small.upstreams.demo!.baseUrl.length + r.url.length).toBeLessThanOrEqual(256);
    const requested = chunks.flatMap((r) => decodeURIComponent(/subject=([^&]*)/.exec(r.url)![1]!).split(','));
    expect(requested.sort()).toEqual(list.map((p) => `Patient/${p['id']}`).sort()); // each parent asked for once
  });

  it('follows next links of a batched reverse-reference search and splits per parent', async () => {
    small.resetCalls();
    const res = await small.gql(`{ PatientList(_count: 5) { id ObservationList(_reference: subject, _count: 25) { id subject { reference } } } }`);
    expect(res.errors).toBeUndefined();
    const list = (res.data as Json)['PatientList'] as Json[];
    for (const p of list) {
      const direct = (await small.direct<Json>('demo', `Observation?subject=Patient/${p['id']}`)).body;
      expect(p['ObservationList'].map((o: Json) => o.id).sort()).toEqual(direct['entry'].map((e: Json) => e.resource.id).sort());
      for (const o of p['ObservationList']) expect(o.subject.reference).toBe(`Patient/${p['id']}`);
    }
    const obsCalls = small.calls().filter((r) => r.url.startsWith('/Observation?'));
    expect(obsCalls.some((r) => r.url.includes('_offset='))).toBe(true); // paged with next links (page size 25)
  });
});

describe('splitByReference', () => {
  const obs = (id: string, subject: string, performer?: string) => ({
    resourceType: 'Observation',
    id,
    subject: { reference: subject },
    ...(performer ? { performer: [{ reference: performer }] } : {}),
  });

  it('looks only at the parameter element, keeps upstream order, accepts absolute and versioned references', () => {
    const resources = [
      obs('1', 'Patient/a', 'Patient/b'),
      obs('2', 'http://up/fhir/Patient/b/_history/3'),
      obs('3', 'Patient/a'),
      obs('4', 'Patient/zzz'),
    ];
    const split = splitByReference(resources, new Set(['Patient/a', 'Patient/b']), ['subject'], 'http://up/fhir');
    expect(split.get('Patient/a')?.map((r) => r.id)).toEqual(['1', '3']);
    expect(split.get('Patient/b')?.map((r) => r.id)).toEqual(['2']);
  });

  it('without known paths scans every reference but contained resources', () => {
    const resources = [{ resourceType: 'Provenance', id: 'p', target: [{ reference: 'Patient/a' }], contained: [{ resourceType: 'X', r: { reference: 'Patient/b' } }] }];
    const split = splitByReference(resources, new Set(['Patient/a', 'Patient/b']), undefined, 'http://up');
    expect([...split.keys()]).toEqual(['Patient/a']);
  });
});
