// Patient.sameAs over three real FHIR servers holding overlapping people: the same national id under different
// local ids. Matching uses the configured identifier systems only, exactly, and is batched per source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIONAL_ID_SYSTEM, nationalId } from '../../src/demo/synthetic-data.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

const SEED = 3;
const OTHER_SYSTEM = 'urn:example:insurance-number';
// Two records that share an identifier of a system that is NOT configured (and nothing else): never the same person.
const strangerB = { resourceType: 'Patient', id: 'stranger', identifier: [{ system: OTHER_SYSTEM, value: 'INS-1' }, { system: NATIONAL_ID_SYSTEM, value: '000-00-0001' }] };
const strangerC = { resourceType: 'Patient', id: 'stranger', identifier: [{ system: OTHER_SYSTEM, value: 'INS-1' }, { system: NATIONAL_ID_SYSTEM, value: '000-00-0002' }] };

let f: Fixture;

beforeAll(async () => {
  // a: people 1-12, b: people 1-8 (+ a stranger), c: people 1-5 (+ another stranger)
  f = await startFixture({
    sources: {
      a: { patients: 12, seed: SEED, idPrefix: 'a' },
      b: { patients: 8, seed: SEED, idPrefix: 'b', resources: [strangerB] },
      c: { patients: 5, seed: SEED, idPrefix: 'c', resources: [strangerC] },
    },
    config: { identity: { patientIdentifierSystems: [NATIONAL_ID_SYSTEM] } },
  });
});
afterAll(() => f?.stop());

type Ref = { id: string; sourceId: string };

describe('Patient.sameAs', () => {
  it('returns exactly the records of the other sources that share the national id', async () => {
    const res = await f.gql<{ Patient: Ref & { sameAs: Ref[] } }>('{ Patient(id: "b-pat-0004", sourceId: "b") { id sourceId sameAs { id sourceId } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.Patient.sameAs).toEqual([{ id: 'a-pat-0004', sourceId: 'a' }, { id: 'c-pat-0004', sourceId: 'c' }]);
  });

  it('a person only one other source knows has one record there; a person nobody else knows has none', async () => {
    const res = await f.gql<{ p7: { sameAs: Ref[] }; p11: { sameAs: Ref[] } }>(
      '{ p7: Patient(id: "b-pat-0007") { sameAs { id sourceId } } p11: Patient(id: "a-pat-0011") { sameAs { id sourceId } } }',
    );
    expect(res.data!.p7.sameAs).toEqual([{ id: 'a-pat-0007', sourceId: 'a' }]);
    expect(res.data!.p11.sameAs).toEqual([]);
  });

  it('matches what the sources themselves say: same national id, compared exactly', async () => {
    const wanted = nationalId(4, SEED);
    const direct = await Promise.all(['a', 'c'].map(async (id) => {
      const r = await f.direct<{ entry?: Array<{ resource: { id: string } }> }>(id, `Patient?identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${wanted}`)}`);
      return r.body.entry?.map((e) => e.resource.id) ?? [];
    }));
    expect(direct).toEqual([['a-pat-0004'], ['c-pat-0004']]);
  });

  it('an identifier of a system that is not configured never links two records', async () => {
    const res = await f.gql<{ Patient: { sameAs: Ref[] } }>('{ Patient(id: "stranger", sourceId: "b") { sameAs { id sourceId } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.Patient.sameAs).toEqual([]);
  });

  it('a list of patients costs one identifier search per other source, and gives every person their records', async () => {
    f.resetCalls();
    const res = await f.gql<{ PatientList: Array<Ref & { sameAs: Ref[] }> }>(
      '{ PatientList(sourceId: "b", _count: 50, _sort: "_id") { id sameAs { id sourceId } } }',
    );
    expect(res.errors).toBeUndefined();
    const calls = (id: string) => f.calls(id).map((r) => r.url);
    expect(calls('b')).toHaveLength(1); // the list itself
    expect(calls('a')).toHaveLength(1);
    expect(calls('c')).toHaveLength(1);
    expect(calls('a')[0]).toContain('identifier=');
    for (const p of res.data!.PatientList) {
      if (p.id === 'stranger') {
        expect(p.sameAs).toEqual([]);
        continue;
      }
      const n = Number(p.id.slice(-4));
      const expected = [{ id: `a-pat-${p.id.slice(-4)}`, sourceId: 'a' }, ...(n <= 5 ? [{ id: `c-pat-${p.id.slice(-4)}`, sourceId: 'c' }] : [])];
      expect(p.sameAs).toEqual(expected);
    }
  });

  it('asks for a person\'s Observations in every source in one query', async () => {
    const res = await f.gql<{ Patient: { ObservationList: Ref[]; sameAs: Array<{ sourceId: string; ObservationList: Ref[] }> } }>(
      `{ Patient(id: "c-pat-0002") {
          ObservationList(_reference: subject) { sourceId }
          sameAs { sourceId ObservationList(_reference: subject) { sourceId } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const p = res.data!.Patient;
    expect(p.ObservationList.length).toBeGreaterThan(0);
    expect(p.sameAs.map((s) => s.sourceId)).toEqual(['a', 'b']);
    for (const other of p.sameAs) {
      expect(other.ObservationList.length).toBeGreaterThan(0);
      expect(new Set(other.ObservationList.map((o) => o.sourceId))).toEqual(new Set([other.sourceId]));
    }
  });

  it('a failing source is a partial error; the other sources still answer', async () => {
    f.upstreams.c!.setFault(() => ({ kind: 'status', status: 500 }));
    try {
      const res = await f.gql<{ Patient: { sameAs: Ref[] } }>('{ Patient(id: "b-pat-0003", sourceId: "b") { sameAs { id sourceId } } }');
      expect(res.data!.Patient.sameAs).toEqual([{ id: 'a-pat-0003', sourceId: 'a' }]);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toMatchObject({ path: ['Patient', 'sameAs'], extensions: { source: 'c', upstreamStatus: 500 } });
    } finally {
      f.upstreams.c!.setFault(undefined);
    }
  });
});

describe('Patient.sameAs with a second configured system', () => {
  it('links records that share an identifier of any configured system', async () => {
    const gw2 = await f.addGateway({ only: ['b', 'c'], config: { identity: { patientIdentifierSystems: [NATIONAL_ID_SYSTEM, OTHER_SYSTEM] } } });
    try {
      const res = await gw2.gql<{ Patient: { sameAs: Ref[] } }>('{ Patient(id: "stranger", sourceId: "b") { sameAs { id sourceId } } }');
      expect(res.data!.Patient.sameAs).toEqual([{ id: 'stranger', sourceId: 'c' }]);
    } finally {
      await gw2.stop();
    }
  });

  it('without configured systems sameAs is always empty', async () => {
    const gw3 = await f.addGateway({ only: ['a', 'b'] });
    try {
      const res = await gw3.gql<{ Patient: { sameAs: Ref[] } }>('{ Patient(id: "b-pat-0001") { sameAs { id } } }');
      expect(res.data!.Patient.sameAs).toEqual([]);
    } finally {
      await gw3.stop();
    }
  });
});
