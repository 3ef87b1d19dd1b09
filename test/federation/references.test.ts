// References across sources, over two real FHIR servers: relative references resolve in their resource's own
// source, absolute ones in the source whose base URL they start with, anything else fails on that field only;
// batching holds per source (one _id= search per source and type, one reverse search per source and kind).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

let f: Fixture;
const calls = (id: string) => f.calls(id).map((r) => decodeURIComponent(r.url));

beforeAll(async () => {
  const cross = (aBaseUrl: string) => ({
    resourceType: 'Observation',
    id: 'cross',
    status: 'final',
    code: { text: 'shared result' },
    subject: { reference: `${aBaseUrl}/Patient/a-pat-0001` },
    performer: [{ reference: 'http://elsewhere.example/fhir/Practitioner/1' }, { reference: 'Practitioner/b-prac-001' }],
  });
  f = await startFixture({
    sources: {
      a: { patients: 10, idPrefix: 'a' },
      b: (started) => ({ patients: 10, idPrefix: 'b', resources: [cross(started.a!.baseUrl)] }),
    },
  });
});
afterAll(() => f?.stop());

describe('references across sources', () => {
  it('absolute references resolve in the source with that base URL; unknown servers fail on that field only', async () => {
    const res = await f.gql<any>(`{ Observation(id: "cross") {
      sourceId
      subject { resource { ... on Patient { id sourceId } } }
      performer { resource { ... on Practitioner { id sourceId } } } } }`);
    expect(res.data.Observation.sourceId).toBe('b');
    expect(res.data.Observation.subject.resource).toEqual({ id: 'a-pat-0001', sourceId: 'a' });
    expect(res.data.Observation.performer).toEqual([{ resource: null }, { resource: { id: 'b-prac-001', sourceId: 'b' } }]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['Observation', 'performer', 0, 'resource'], extensions: { code: 'UNRESOLVABLE_REFERENCE' } });
  });

  it('relative references of a merged list resolve in each resource\'s own source, one _id= search per source and type', async () => {
    f.resetCalls();
    const res = await f.gql<any>(`{ PatientList(_count: 20) {
      sourceId
      generalPractitioner { resource { ... on Practitioner { id sourceId } } }
      managingOrganization { resource { ... on Organization { id sourceId } } } } }`);
    expect(res.errors).toBeUndefined();
    const list = res.data.PatientList as any[];
    expect(list).toHaveLength(20);
    for (const p of list) {
      for (const gp of p.generalPractitioner) expect(gp.resource.sourceId).toBe(p.sourceId);
      expect(p.managingOrganization.resource.sourceId).toBe(p.sourceId);
      expect(p.managingOrganization.resource.id.startsWith(`${p.sourceId}-`)).toBe(true);
    }
    for (const id of ['a', 'b']) {
      const c = calls(id);
      expect(c).toHaveLength(3);
      expect(c.filter((url) => url.includes('/Practitioner'))).toHaveLength(1);
      expect(c.filter((url) => url.includes('/Organization'))).toHaveLength(1);
    }
  });

  it('reverse references of a merged list cost one search per source and kind, each in the parent\'s source', async () => {
    f.resetCalls();
    const res = await f.gql<any>(`{ PatientList(_count: 20) { id sourceId
      ObservationList(_reference: subject, _count: 100) { sourceId subject { reference } }
      ConditionList(_reference: subject) { sourceId } } }`);
    expect(res.errors).toBeUndefined();
    for (const p of res.data.PatientList as any[]) {
      expect(p.ObservationList.length).toBeGreaterThan(0);
      for (const o of p.ObservationList) {
        expect(o.sourceId).toBe(p.sourceId);
        expect(o.subject.reference).toBe(`Patient/${p.id}`);
      }
      for (const c of p.ConditionList) expect(c.sourceId).toBe(p.sourceId);
    }
    for (const id of ['a', 'b']) {
      const c = calls(id);
      expect(c.filter((url) => url.includes('/Observation?'))).toHaveLength(1);
      expect(c.filter((url) => url.includes('/Condition?'))).toHaveLength(1);
      expect(c).toHaveLength(3);
    }
  });

  it('an id that exists in both sources is an ambiguity error naming them, never a silent pick', async () => {
    const shared = { resourceType: 'Organization', id: 'shared-org', name: 'x' };
    await f.upstreams.a!.repo.createResource(shared as never);
    await f.upstreams.b!.repo.createResource(shared as never);
    const res = await f.gql<any>('{ Organization(id: "shared-org") { id } }');
    expect(res.data.Organization).toBeNull();
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'AMBIGUOUS_ID' } });
    expect(res.errors![0]!.message).toContain('a, b');
    const one = await f.gql<any>('{ Organization(id: "shared-org", sourceId: "b") { id sourceId } }');
    expect(one.data.Organization).toEqual({ id: 'shared-org', sourceId: 'b' });
  });
});
