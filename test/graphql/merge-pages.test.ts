import { describe, expect, it } from 'vitest';
import { mergeHeads, mergeTails, type Candidate } from '../../src/fhir/merge-pages.ts';
import { compareSortKeys, parseSort, sortKeyOf } from '../../src/fhir/sort-order.ts';
import { loadFhirModel, searchParamIndex } from '../../src/fhir/model/load-model.ts';

const params = searchParamIndex(loadFhirModel());
const list = (source: number, values: number[], from = 0): Candidate<number>[] => values.map((item, i) => ({ item, source, position: from + i }));
const byValue = (a: Candidate<number>, b: Candidate<number>) => a.item - b.item || a.source - b.source || a.position - b.position;

describe('mergeHeads / mergeTails', () => {
  it('takes the smallest heads and counts what each list gave', () => {
    const m = mergeHeads([list(0, [1, 4, 9]), list(1, [2, 3, 10]), list(2, [])], 4, byValue);
    expect(m.items.map((c) => c.item)).toEqual([1, 2, 3, 4]);
    expect(m.taken).toEqual([2, 2, 0]);
  });

  it('takes the largest tails, returned ascending', () => {
    const m = mergeTails([list(0, [1, 4, 9]), list(1, [2, 3, 10])], 3, byValue);
    expect(m.items.map((c) => c.item)).toEqual([4, 9, 10]);
    expect(m.taken).toEqual([2, 1]);
  });

  it('never skips inside a list even when a source sorts differently from the comparator', () => {
    // source 1 is "unsorted" by our comparator; it still contributes a contiguous run from its head
    const m = mergeHeads([list(0, [5, 6]), list(1, [9, 1])], 2, byValue);
    expect(m.items.map((c) => c.item)).toEqual([5, 6]);
    expect(m.taken).toEqual([2, 0]);
  });

  it('stops when every list is drained', () => {
    expect(mergeHeads([list(0, [1])], 5, byValue).items).toHaveLength(1);
    expect(mergeTails([list(0, [])], 5, byValue).items).toHaveLength(0);
  });
});

describe('sort keys', () => {
  it('parses _sort against the type\'s search parameters', () => {
    const fields = parseSort('-birthdate, family,_lastUpdated', 'Patient', params);
    expect(fields.map((f) => [f.code, f.descending, f.paths])).toEqual([
      ['birthdate', true, ['birthDate']],
      ['family', false, ['name.family']],
      ['_lastUpdated', false, ['meta.lastUpdated']],
    ]);
    expect(() => parseSort('nope', 'Patient', params)).toThrow(/'nope' is not a search parameter of Patient/);
  });

  it('reads choice elements and complex values', () => {
    const [date] = parseSort('date', 'Observation', params);
    expect(date!.paths).toEqual(['effective']);
    expect(sortKeyOf({ effectiveDateTime: '2021-05-01T10:00:00Z' }, [date!])).toEqual(['2021-05-01t10:00:00z']);
    expect(sortKeyOf({ effectivePeriod: { start: '2020-01-02' } }, [date!])).toEqual(['2020-01-02']);
    const [name] = parseSort('name', 'Patient', params);
    expect(sortKeyOf({ name: [{ family: 'Zed', given: ['Ann'] }, { family: 'Abel' }] }, [name!])).toEqual(['abel']);
  });

  it('uses the lowest value ascending, the highest descending; missing values last ascending, first descending (as Medplum)', () => {
    const asc = parseSort('given', 'Patient', params);
    const desc = parseSort('-given', 'Patient', params);
    const r = { name: [{ given: ['Bob', 'Al'] }] };
    expect(sortKeyOf(r, asc)).toEqual(['al']);
    expect(sortKeyOf(r, desc)).toEqual(['bob']);
    expect(compareSortKeys([undefined], ['a'], asc)).toBeGreaterThan(0);
    expect(compareSortKeys([undefined], ['a'], desc)).toBeLessThan(0);
    expect(compareSortKeys([undefined], [undefined], desc)).toBe(0);
    expect(compareSortKeys(['b'], ['a'], desc)).toBeLessThan(0);
  });
});
