// Federated search over three real FHIR servers (Medplum in-memory over loopback HTTP): one merged, sorted page
// with every source's patients, each with its sourceId, and Connection cursors that page forward and back over the
// whole set without skipping or repeating a resource.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

const SIZES = { a: 30, b: 25, c: 20 } as const;
let f: Fixture;

beforeAll(async () => {
  f = await startFixture({ sources: Object.fromEntries(Object.entries(SIZES).map(([id, patients]) => [id, { patients, idPrefix: id, seed: 7 }])) });
});
afterAll(() => f?.stop());

interface Row { id: string; sourceId: string; birthDate?: string; name?: Array<{ family?: string; given?: string[] }> }
interface Page { count: number | null; offset: number; next: string | null; previous: string | null; first: string | null; last: string | null; edges: Array<{ resource: Row }> }

const ALL = SIZES.a + SIZES.b + SIZES.c;

async function page(args: string): Promise<Page> {
  const res = await f.gql<{ PatientConnection: Page }>(
    `{ PatientConnection(${args}) { count offset next previous first last edges { resource { ... on Patient { id sourceId birthDate name { family given } } } } } }`,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.PatientConnection;
}

/** The upstream's own answer for comparison: every patient of a source, straight from its REST API. */
async function direct(id: string): Promise<Array<{ id: string; birthDate: string }>> {
  const bundle = (await f.direct<{ entry: Array<{ resource: { id: string; birthDate: string } }> }>(id, 'Patient?_count=500')).body;
  return bundle.entry.map((e) => e.resource);
}

describe('fan-out search over three sources', () => {
  it('PatientList(_count: 50) is one merged page sorted across sources, each patient with its sourceId', async () => {
    const res = await f.gql<{ PatientList: Row[] }>('{ PatientList(_count: 50, _sort: "birthdate") { id sourceId birthDate } }');
    expect(res.errors).toBeUndefined();
    const rows = res.data!.PatientList;
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.sourceId))).toEqual(new Set(['a', 'b', 'c']));
    for (const r of rows) expect(r.id.startsWith(`${r.sourceId}-`)).toBe(true);
    const dates = rows.map((r) => r.birthDate!);
    expect(dates).toEqual([...dates].sort());
    // The 50 earliest birth dates of the union of all three sources, exactly.
    const union = (await Promise.all(Object.keys(SIZES).map(direct))).flat().map((p) => p.birthDate).sort();
    expect(dates).toEqual(union.slice(0, 50));
  });

  it('descending sort is honoured across sources', async () => {
    const res = await f.gql<{ PatientList: Row[] }>('{ PatientList(_count: 20, _sort: "-birthdate") { birthDate } }');
    const dates = res.data!.PatientList.map((r) => r.birthDate!);
    const union = (await Promise.all(Object.keys(SIZES).map(direct))).flat().map((p) => p.birthDate).sort().reverse();
    expect(dates).toEqual(union.slice(0, 20));
  });

  it('without _sort, a page interleaves the sources', async () => {
    const res = await f.gql<{ PatientList: Row[] }>('{ PatientList(_count: 6) { id sourceId } }');
    expect(res.data!.PatientList.map((r) => r.sourceId)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('the Connection cursor pages forward over every patient exactly once, then back the same way', async () => {
    for (const sort of ['birthdate', '-family', undefined]) {
      const args = (extra: string) => [`_count: 11`, sort ? `_sort: "${sort}"` : '', extra].filter(Boolean).join(', ');
      const forward: Page[] = [await page(args(''))];
      while (forward.at(-1)!.next) {
        forward.push(await page(args(`_cursor: "${forward.at(-1)!.next}"`)));
        expect(forward.length).toBeLessThan(20);
      }
      const ids = forward.flatMap((p) => p.edges.map((e) => `${e.resource.sourceId}/${e.resource.id}`));
      expect(ids).toHaveLength(ALL);
      expect(new Set(ids).size).toBe(ALL);
      expect(forward.map((p) => p.edges.length)).toEqual([11, 11, 11, 11, 11, 11, 9]);
      expect(forward.map((p) => p.offset)).toEqual([0, 11, 22, 33, 44, 55, 66]);
      // back from the last page: the same pages in reverse
      const backward: Page[] = [forward.at(-1)!];
      while (backward.at(-1)!.previous) {
        backward.push(await page(args(`_cursor: "${backward.at(-1)!.previous}"`)));
        expect(backward.length).toBeLessThan(20);
      }
      const back = backward.reverse().flatMap((p) => p.edges.map((e) => `${e.resource.sourceId}/${e.resource.id}`));
      expect(back).toEqual(ids);
    }
  });

  it('a search parameter filters in every source, and the merged count adds up', async () => {
    const res = await f.gql<{ PatientConnection: Page }>(
      '{ PatientConnection(gender: "female", _count: 100) { count edges { resource { ... on Patient { sourceId } } } } }',
    );
    expect(res.errors).toBeUndefined();
    const females = (await Promise.all(Object.keys(SIZES).map(async (id) => {
      const r = await f.direct<{ entry?: unknown[] }>(id, 'Patient?gender=female&_count=500');
      return r.body.entry?.length ?? 0;
    }))).reduce((a, b) => a + b, 0);
    expect(res.data!.PatientConnection.edges).toHaveLength(females);
  });

  it('_count: 0 returns no resources and no next cursor (never a cursor that stays in place)', async () => {
    const res = await f.gql<{ PatientConnection: Page }>('{ PatientConnection(_count: 0) { next edges { resource { id } } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.PatientConnection).toEqual({ next: null, edges: [] });
  });

  it('sourceId narrows a search to one source', async () => {
    const res = await f.gql<{ PatientList: Row[] }>('{ PatientList(_count: 100, sourceId: "b") { sourceId } }');
    expect(res.data!.PatientList).toHaveLength(SIZES.b);
    expect(new Set(res.data!.PatientList.map((r) => r.sourceId))).toEqual(new Set(['b']));
  });

  it('a cursor of another search is rejected', async () => {
    const first = await page('_count: 5, _sort: "birthdate"');
    const res = await f.gql(`{ PatientConnection(_count: 5, _sort: "family", _cursor: "${first.next}") { count } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('_sort on a parameter the type does not have is a clear error', async () => {
    const res = await f.gql('{ PatientList(_sort: "nonsense") { id } }');
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(res.errors?.[0]?.message).toContain("'nonsense' is not a search parameter of Patient");
  });

  it('_offset without a cursor skips into the merged result', async () => {
    const all = await f.gql<{ PatientList: Row[] }>('{ PatientList(_count: 30, _sort: "birthdate") { id sourceId } }');
    const skipped = await f.gql<{ PatientList: Row[] }>('{ PatientList(_count: 10, _offset: 20, _sort: "birthdate") { id sourceId } }');
    expect(skipped.data!.PatientList).toEqual(all.data!.PatientList.slice(20, 30));
  });
});
