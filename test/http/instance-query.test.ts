import { GraphQLError, Source } from 'graphql';
import { describe, expect, it } from 'vitest';
import { focusQuery, toOriginalError, toOriginalOffset, unfocusResult, type FocusedQuery } from '../../src/http/instance-query.ts';

const focus = { resourceType: 'Patient', id: 'p1' };
const focused = (query: string, f: Parameters<typeof focusQuery>[1] = focus): FocusedQuery => {
  const result = focusQuery(query, f);
  if (!result || result instanceof GraphQLError) throw new Error('not focused');
  return result;
};

describe('focusQuery', () => {
  it('nests every operation under the root field, keeping the client text, fragments and variables', () => {
    const query = 'query A($n: Int) { ...P ObservationList(_reference: subject, _count: $n) { id } }\nquery B { id }\nfragment P on Patient { id }';
    expect(focused(query).query).toBe(
      'query A($n: Int) {Patient(id: "p1") { ...P ObservationList(_reference: subject, _count: $n) { id } }}\n' +
        'query B {Patient(id: "p1") { id }}\nfragment P on Patient { id }',
    );
  });

  it('adds sourceId when the focus names a source', () => {
    expect(focused('{ id }', { ...focus, sourceId: 'lab' }).query).toBe('{Patient(id: "p1", sourceId: "lab") { id }}');
  });

  it('leaves what does not parse to the pipeline, and refuses mutations', () => {
    expect(focusQuery('{ id', focus)).toBeUndefined();
    expect(focusQuery('fragment P on Patient { id }', focus)).toBeUndefined();
    const refused = focusQuery('mutation { PatientDelete(id: "p1") { id } }', focus);
    expect(refused).toBeInstanceOf(GraphQLError);
    expect((refused as GraphQLError).extensions['http']).toEqual({ status: 400 });
  });
});

describe('mapping back to the client text', () => {
  const query = '{\n  id\n  name { family }\n}';
  const f = focused(query);

  it('maps offsets of the rewritten text back, none inside inserted text', () => {
    const inRewritten = f.query.indexOf('name');
    expect(toOriginalOffset(f, inRewritten)).toBe(query.indexOf('name'));
    expect(toOriginalOffset(f, f.query.indexOf('Patient'))).toBeUndefined();
    expect(toOriginalOffset(f, 0)).toBe(0);
  });

  it('rewrites locations and paths of errors', () => {
    const rewritten = new Source(f.query);
    const error = new GraphQLError('boom', {
      source: rewritten,
      positions: [f.query.indexOf('family')],
      path: ['Patient', 'name', 0, 'family'],
      extensions: { code: 'X' },
    });
    const mapped = toOriginalError(f, error);
    expect(mapped.toJSON()).toEqual({ message: 'boom', locations: [{ line: 3, column: 10 }], path: ['name', 0, 'family'], extensions: { code: 'X' } });
  });

  it('unwraps data, strips the root from warning paths, and makes a missing focus resource a 404', () => {
    const ok = unfocusResult(f, { data: { Patient: { id: 'p1' } }, extensions: { warnings: [{ code: 'W', path: ['Patient', 'name'] }, { code: 'V' }] } });
    expect(ok).toEqual({ data: { id: 'p1' }, extensions: { warnings: [{ code: 'W', path: ['name'] }, { code: 'V' }] } });

    const notFound = new GraphQLError('gone', { path: ['Patient'], extensions: { code: 'NOT_FOUND' } });
    const missing = unfocusResult(f, { data: { Patient: null }, errors: [notFound] });
    expect(missing.data).toBeNull();
    expect(missing.extensions).toEqual({ http: { status: 404 } });
    expect((missing.errors![0] as GraphQLError).path).toBeUndefined();

    const failed = new GraphQLError('down', { path: ['Patient'], extensions: { code: 'UPSTREAM_ERROR' } });
    expect(unfocusResult(f, { data: { Patient: null }, errors: [failed] }).extensions).toBeUndefined();
  });
});
