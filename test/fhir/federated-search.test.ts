// A federated search that every source rejects alike (the same bad value) says so once, naming the sources: one GraphQL
// error with extensions.sources (code, upstream status and the upstream's OperationOutcome kept), one REST issue.
// Sources that fail differently, or only some sources failing, are reported per source as before.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture({
    sources: { a: { patients: 3, idPrefix: 'a' }, b: { patients: 3, idPrefix: 'b' }, c: { patients: 3, idPrefix: 'c' } },
    config: { capabilityRefreshMs: 0 },
    sourceDefaults: { retries: 0, circuitBreaker: { failureThreshold: 0 } },
  });
});
afterAll(() => f.stop());
afterEach(() => f.heal());

const UPSTREAM_OUTCOME = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'invalid', details: { text: 'Invalid format for date search parameter: notadate' } }],
};
const badRequest = (text: string) => ({
  kind: 'status' as const,
  status: 400,
  body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text } }] }),
});

describe('every source rejects the same value', () => {
  it.each(['PatientList(birthdate: "notadate") { id }', 'PatientConnection(birthdate: "notadate") { count }'])(
    'GraphQL %s: one error naming every source',
    async (field) => {
      const res = await f.gql(`{ ${field} }`);
      const root = field.slice(0, field.indexOf('('));
      expect(res.data).toEqual({ [root]: null });
      expect(res.errors).toHaveLength(1);
      const [error] = res.errors!;
      expect(error!.message).toBe("Upstreams 'a', 'b' and 'c' answered 400 to GET Patient: Invalid format for date search parameter: notadate");
      expect(error!.path).toEqual([root]);
      expect(error!.extensions).toEqual({
        code: 'UPSTREAM_BAD_REQUEST',
        upstreamStatus: 400,
        sources: ['a', 'b', 'c'],
        resource: UPSTREAM_OUTCOME,
      });
      for (const id of ['a', 'b', 'c']) expect(f.calls(id)).toHaveLength(1);
    },
  );

  it('REST: one 400 OperationOutcome, the upstream issue and ours once each', async () => {
    const res = await f.fetch('/fhir/Patient?birthdate=notadate');
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as { issue: Array<{ severity: string; code: string; diagnostics?: string }> };
    expect(outcome.issue).toEqual([
      UPSTREAM_OUTCOME.issue[0],
      {
        severity: 'error',
        code: 'invalid',
        diagnostics: "Upstreams 'a', 'b' and 'c' answered 400 to GET Patient: Invalid format for date search parameter: notadate [UPSTREAM_BAD_REQUEST]",
      },
    ]);
  });
});

describe('sources that fail differently, or only some of them', () => {
  it('every source failing, not alike: one error per source, each naming its own', async () => {
    f.upstreams['a']!.setFault(() => badRequest('Unknown thing'));
    f.upstreams['b']!.setFault(() => badRequest('Another thing'));
    f.upstreams['c']!.setFault(() => ({ kind: 'status', status: 500 }));
    const res = await f.gql('{ PatientList { id } }');
    expect(res.data).toEqual({ PatientList: null });
    expect(res.errors!.map((e) => [e.extensions!['source'], e.extensions!['code'], e.extensions!['sources']]).sort()).toEqual([
      ['a', 'UPSTREAM_BAD_REQUEST', undefined],
      ['b', 'UPSTREAM_BAD_REQUEST', undefined],
      ['c', 'UPSTREAM_ERROR', undefined],
    ]);
  });

  it('some sources failing alike: the others\' data, and one partial error per failed source as before', async () => {
    f.upstreams['a']!.setFault(() => badRequest('Same thing'));
    f.upstreams['b']!.setFault(() => badRequest('Same thing'));
    const res = await f.gql<{ PatientList: Array<{ id: string }> }>('{ PatientList { id } }');
    expect(res.data!.PatientList.map((p) => p.id).sort()).toEqual(['c-pat-0001', 'c-pat-0002', 'c-pat-0003']);
    expect(res.errors!.map((e) => [e.extensions!['source'], e.message]).sort()).toEqual([
      ['a', "Upstream 'a' answered 400 to GET Patient: Same thing"],
      ['b', "Upstream 'b' answered 400 to GET Patient: Same thing"],
    ]);
  });
});
