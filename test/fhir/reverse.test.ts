// Reverse references validate their search as the root does: `_sort` must name search parameters of the type (a source
// may ignore what it does not know, so a silent `_sort: "bogus"` would look like it worked).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 2 } } });
});
afterAll(() => f.stop());
beforeEach(() => f.resetCalls());

const observationSearches = () => f.calls('demo').filter((r) => r.url.startsWith('/Observation'));

describe('_sort on a reverse reference', () => {
  it.each(['ObservationList', 'ObservationConnection'])('%s(_sort: "bogus") is the error the root gives, and nothing is searched', async (field) => {
    const selection = field.endsWith('List') ? '{ id }' : '{ count }';
    const nested = await f.gql(`{ Patient(id: "pat-0001") { id ${field}(_reference: subject, _sort: "bogus") ${selection} } }`);
    const root = await f.gql(`{ ${field}(_sort: "bogus") ${selection} }`);
    expect(nested.data).toEqual({ Patient: { id: 'pat-0001', [field]: null } });
    expect(nested.errors).toHaveLength(1);
    expect(nested.errors![0]).toMatchObject({
      message: "_sort: 'bogus' is not a search parameter of Observation",
      path: ['Patient', field],
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(root.errors![0]!.message).toBe(nested.errors![0]!.message);
    expect(root.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(observationSearches()).toEqual([]);
  });

  it('every field of the list is checked; valid fields sort as before', async () => {
    const bad = await f.gql('{ Patient(id: "pat-0001") { ObservationList(_reference: subject, _sort: "-date,nope") { id } } }');
    expect(bad.errors![0]!.message).toBe("_sort: 'nope' is not a search parameter of Observation");
    const good = await f.gql<{ Patient: { ObservationList: Array<{ effectiveDateTime: string }> } }>(
      '{ Patient(id: "pat-0001") { ObservationList(_reference: subject, _sort: "-date,_lastUpdated") { effectiveDateTime } } }',
    );
    expect(good.errors).toBeUndefined();
    const dates = good.data!.Patient.ObservationList.map((o) => o.effectiveDateTime);
    expect(dates.length).toBeGreaterThan(1);
    expect(dates).toEqual([...dates].sort().reverse());
  });
});
