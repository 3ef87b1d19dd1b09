// AuditEvent search over the stored trail, on SQLite and PostgreSQL: every parameter, every date prefix and
// precision, paging, sorting, totals, and every kind of bad input as BAD_USER_INPUT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateRange, searchAuditEvents } from '../../src/audit/audit-search.ts';
import type { Db } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/database.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { testBackends } from '../db/helpers.ts';
import { insertRows, NEWEST_FIRST, T0, trail } from './helpers.ts';

const backends = testBackends('audit_search');

describe.each(backends)('searchAuditEvents on $dialect', (backend) => {
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase(backend.fresh());
    await insertRows(db, trail());
  });
  afterAll(async () => {
    await db?.close();
  });

  const search = (query: string, maxCount = 100) => searchAuditEvents(db, new URLSearchParams(query), { maxCount });
  const ids = async (query: string) => (await search(query)).rows.map((r) => r.id);
  const failure = async (query: string): Promise<GatewayError> => {
    try {
      await search(query);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      return error as GatewayError;
    }
    throw new Error(`'${query}' was accepted`);
  };

  it('answers every event, newest first (ties by id), with the total and numbers as numbers', async () => {
    const result = await search('');
    expect(result.rows.map((r) => r.id)).toEqual(NEWEST_FIRST);
    expect(result).toMatchObject({ total: 8, count: 20, offset: 0, sort: '-date' });
    expect(result.next).toBeUndefined();
    expect(result.previous).toBeUndefined();
    expect(typeof result.rows[0]!.recorded_ms).toBe('number');
    expect(result.rows[0]).toMatchObject({ id: 'ev-c', patient: 'Patient/p2', subtype: '$graphql', agent_sub: 'user-1' });
  });

  it('patient: a reference or a bare id; a list is OR, a repeated parameter AND', async () => {
    expect(await ids('patient=Patient/p1')).toEqual(['ev-b', 'ev-g', 'ev-a']);
    expect(await ids('patient=p1')).toEqual(['ev-b', 'ev-g', 'ev-a']);
    expect(await ids('patient=p1,Patient/p2')).toEqual(['ev-c', 'ev-b', 'ev-g', 'ev-a', 'ev-d']);
    expect(await ids('patient=p1&patient=p2')).toEqual([]);
    expect(await ids('patient=p1&patient=Patient/p1')).toEqual(['ev-b', 'ev-g', 'ev-a']);
    expect(await ids('patient=nobody')).toEqual([]);
  });

  it('date: the range of the value\'s precision, eq by default', async () => {
    expect(await ids('date=2026')).toEqual(NEWEST_FIRST.filter((id) => id !== 'ev-f'));
    expect(await ids('date=2026-12')).toEqual(['ev-c', 'ev-b', 'ev-g', 'ev-h', 'ev-a', 'ev-d']);
    expect(await ids('date=2026-11')).toEqual(['ev-e']);
    expect(await ids('date=2026-12-06')).toEqual(['ev-b', 'ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=eq2026-12-06')).toEqual(['ev-b', 'ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=2026-12-06T10:00Z')).toEqual(['ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=2026-12-06T10:00:00Z')).toEqual(['ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=2026-12-06T10:00:00.1Z')).toEqual(['ev-g']); // [.100, .200)
    expect(await ids('date=2026-12-06T10:00:00.0Z')).toEqual(['ev-h', 'ev-a']);
    expect(await ids('date=2026-12-06T10:00:00.123Z')).toEqual(['ev-g']);
    expect(await ids('date=2026-12-06T10:00:00.1230Z')).toEqual(['ev-g']);
    expect(await ids('date=2026-12-06T10:00:00.1231Z')).toEqual([]); // no whole millisecond inside
    expect(await ids('date=2026-12-06T10:00:01Z')).toEqual([]);
  });

  it('date: time zones (a missing one is UTC; a "+" that arrived as a space is read as "+")', async () => {
    expect(await ids('date=2026-12-06T11:00:00%2B01:00')).toEqual(['ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=2026-12-06T11:00:00+01:00')).toEqual(['ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=2026-12-06T05:00:00-05:00')).toEqual(['ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=2026-12-01T00:59:59.999%2B01:00')).toEqual(['ev-e']);
    expect(await ids('date=2026-11-30T23:59:59')).toEqual(['ev-e']);
    expect(await ids('date=2026-11-30T23:59')).toEqual(['ev-e']);
  });

  it('date: the prefixes gt, ge, lt, le against the whole range of the value', async () => {
    expect(await ids('date=ge2026-12-06')).toEqual(['ev-c', 'ev-b', 'ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=gt2026-12-06')).toEqual(['ev-c']);
    expect(await ids('date=lt2026-12-06')).toEqual(['ev-d', 'ev-e', 'ev-f']);
    expect(await ids('date=le2026-12-06')).toEqual(['ev-b', 'ev-g', 'ev-h', 'ev-a', 'ev-d', 'ev-e', 'ev-f']);
    expect(await ids('date=gt2026-12-06T10:00:00Z')).toEqual(['ev-c', 'ev-b']);
    expect(await ids('date=ge2026-12-06T10:00:00.001Z')).toEqual(['ev-c', 'ev-b', 'ev-g']);
    expect(await ids('date=lt2026-12-06T10:00:00.001Z')).toEqual(['ev-h', 'ev-a', 'ev-d', 'ev-e', 'ev-f']);
    expect(await ids('date=le2026-12-06T10:00:00.000Z')).toEqual(['ev-h', 'ev-a', 'ev-d', 'ev-e', 'ev-f']);
    expect(await ids('date=lt2026-12-01')).toEqual(['ev-e', 'ev-f']);
    expect(await ids('date=ge2026-12-01')).toEqual(['ev-c', 'ev-b', 'ev-g', 'ev-h', 'ev-a', 'ev-d']);
  });

  it('date: repeated is AND (a range), a list is OR', async () => {
    expect(await ids('date=ge2026-12-06&date=lt2026-12-07')).toEqual(['ev-b', 'ev-g', 'ev-h', 'ev-a']);
    expect(await ids('date=ge2026-12-06T10:00:00.001Z&date=le2026-12-06T10:59Z')).toEqual(['ev-g']);
    expect(await ids('date=2025,2026-11')).toEqual(['ev-e', 'ev-f']);
    expect(await ids('date=gt2026-12-06,lt2026-01')).toEqual(['ev-c', 'ev-f']);
    expect(await ids('date=gt2026-12-07&date=lt2026-12-05')).toEqual([]);
  });

  it('agent: the sub, the fhirUser or the client id', async () => {
    expect(await ids('agent=user-1')).toEqual(['ev-c', 'ev-g', 'ev-a']);
    expect(await ids('agent=Practitioner/pr-2')).toEqual(['ev-b', 'ev-e']);
    expect(await ids('agent=dashboard')).toEqual(['ev-b', 'ev-e']);
    expect(await ids('agent=portal,user-2')).toEqual(['ev-c', 'ev-b', 'ev-g', 'ev-h', 'ev-a', 'ev-d', 'ev-e']);
    expect(await ids('agent=user-3&agent=portal')).toEqual(['ev-h', 'ev-d']);
    expect(await ids("agent=x' OR '1'='1")).toEqual([]); // a bound value, never SQL
  });

  it('subtype: a code or system|code of the AuditEvent\'s subtype codings', async () => {
    expect(await ids('subtype=read')).toEqual(['ev-a']);
    expect(await ids('subtype=read,vread')).toEqual(['ev-g', 'ev-a']);
    expect(await ids('subtype=search-type')).toEqual(['ev-b']);
    expect(await ids('subtype=$graphql')).toEqual(['ev-c']);
    expect(await ids('subtype=%24graphql')).toEqual(['ev-c']);
    expect(await ids('subtype=graphql')).toEqual(['ev-f']);
    expect(await ids('subtype=operation')).toEqual(['ev-c']);
    expect(await ids('subtype=http://hl7.org/fhir/restful-interaction|operation')).toEqual(['ev-c']);
    expect(await ids('subtype=http://hl7.org/fhir/restful-interaction|delete')).toEqual(['ev-h']);
    expect(await ids('subtype=urn:fhir-graphql-gateway:audit-subtype|graphql')).toEqual(['ev-f']);
    expect(await ids('subtype=http://hl7.org/fhir/restful-interaction|graphql')).toEqual([]);
    expect(await ids('subtype=|read')).toEqual([]); // no system: none of ours
    expect(await ids('subtype=unknown-code')).toEqual([]);
  });

  it('action and outcome: their codes, with or without their system', async () => {
    expect(await ids('action=R')).toEqual(['ev-c', 'ev-g', 'ev-a']);
    expect(await ids('action=C,D')).toEqual(['ev-h', 'ev-d']);
    expect(await ids('action=http://hl7.org/fhir/audit-event-action|E')).toEqual(['ev-b', 'ev-f']);
    expect(await ids('action=U')).toEqual(['ev-e']);
    expect(await ids('outcome=8')).toEqual(['ev-d']);
    expect(await ids('outcome=0')).toEqual(['ev-c', 'ev-g', 'ev-h', 'ev-a', 'ev-e']);
    expect(await ids('outcome=4,12')).toEqual(['ev-b', 'ev-f']);
    expect(await ids('outcome=http://hl7.org/fhir/audit-event-outcome|12')).toEqual(['ev-f']);
  });

  it('_id, and parameters together (AND)', async () => {
    expect(await ids('_id=ev-a,ev-b')).toEqual(['ev-b', 'ev-a']);
    expect(await ids('patient=p1&action=R&agent=user-1')).toEqual(['ev-g', 'ev-a']);
    expect(await ids('patient=p2&outcome=8&date=2026-12-05&subtype=create&agent=portal')).toEqual(['ev-d']);
    expect(await ids('patient=p2&outcome=0&date=2026-12-05')).toEqual([]);
  });

  it('pages with _count and _offset: next, previous, and the total when it is known', async () => {
    const first = await search('_count=3');
    expect(first.rows.map((r) => r.id)).toEqual(['ev-c', 'ev-b', 'ev-g']);
    expect(first).toMatchObject({ count: 3, offset: 0, next: { offset: 3 } });
    expect(first.total).toBeUndefined(); // not known without counting
    expect(first.previous).toBeUndefined();
    const second = await search('_count=3&_offset=3');
    expect(second.rows.map((r) => r.id)).toEqual(['ev-h', 'ev-a', 'ev-d']);
    expect(second).toMatchObject({ next: { offset: 6 }, previous: { offset: 0 } });
    const last = await search('_count=3&_offset=6');
    expect(last.rows.map((r) => r.id)).toEqual(['ev-e', 'ev-f']);
    expect(last).toMatchObject({ total: 8, previous: { offset: 3 } });
    expect(last.next).toBeUndefined();
    const exact = await search('_count=4&_offset=4');
    expect(exact.rows.map((r) => r.id)).toEqual(['ev-a', 'ev-d', 'ev-e', 'ev-f']);
    expect(exact).toMatchObject({ total: 8 });
    expect(exact.next).toBeUndefined();
    const beyond = await search('_offset=100');
    expect(beyond.rows).toEqual([]);
    expect(beyond.total).toBeUndefined();
    expect((await search('_count=3&_offset=1')).previous).toEqual({ offset: 0 });
    expect((await search('patient=p1&_count=2&_offset=2')).rows.map((r) => r.id)).toEqual(['ev-a']);
  });

  it('_total: accurate counts, none never tells, and _count=0 answers the total only', async () => {
    expect(await search('_count=3&_total=accurate')).toMatchObject({ total: 8 });
    expect(await search('patient=p1&_count=1&_total=accurate')).toMatchObject({ total: 3 });
    expect((await search('_total=none')).total).toBeUndefined();
    expect((await search('_total=estimate&_count=2')).total).toBeUndefined();
    const zero = await search('_count=0&agent=user-1');
    expect(zero.rows).toEqual([]);
    expect(zero).toMatchObject({ total: 3, count: 0 });
    expect(zero.next).toBeUndefined();
  });

  it('caps _count at maxCount, the default too', async () => {
    expect(await search('_count=50', 5)).toMatchObject({ count: 5, next: { offset: 5 } });
    expect((await search('_count=50', 5)).rows).toHaveLength(5);
    expect((await search('', 5)).rows).toHaveLength(5);
    expect((await search('', 100)).count).toBe(20);
  });

  it('sorts by date: -date (newest first) by default, date ascending on request', async () => {
    expect(await ids('_sort=-date')).toEqual(NEWEST_FIRST);
    expect(await ids('_sort=date')).toEqual([...NEWEST_FIRST].reverse());
    expect(await ids('_sort=date&_count=2&_offset=2')).toEqual(['ev-d', 'ev-a']);
    expect((await search('_sort=date')).sort).toBe('date');
  });

  it('refuses unknown parameters, modifiers and malformed values as BAD_USER_INPUT naming the parameter', async () => {
    const cases: Array<[query: string, parameter: string, message: RegExp]> = [
      ['foo=bar', 'foo', /Unknown AuditEvent search parameter 'foo'/],
      ['entity=Patient/p1', 'entity', /Unknown/],
      ['_sort=recorded', '_sort', /_sort 'recorded' is not supported/],
      ['_sort=-date,_id', '_sort', /not supported/],
      ['_sort=date&_sort=-date', '_sort', /more than once/],
      ['patient:missing=true', 'patient:missing', /modifier/],
      ['date:exact=2026', 'date:exact', /modifier/],
      ['patient=', 'patient', /empty value/],
      ['patient=p1,,p2', 'patient', /empty value/],
      ['patient=Observation/o1', 'patient', /neither Patient\/\{id\} nor a FHIR id/],
      ["patient=Patient/x' OR 1=1 --", 'patient', /neither/],
      ['patient=Patient/p1/_history/1', 'patient', /neither/],
      ['date=ne2026', 'date', /prefix 'ne' is not supported/],
      ['date=ap2026-12-06', 'date', /prefix 'ap'/],
      ['date=sa2026', 'date', /prefix 'sa'/],
      ['date=today', 'date', /prefix 'to'/],
      ['date=2026-13', 'date', /not a FHIR date/],
      ['date=2026-02-29', 'date', /not a FHIR date/],
      ['date=2026-12-06T25:00Z', 'date', /not a FHIR date/],
      ['date=2026-12-06T10:00:00%2B15:00', 'date', /not a FHIR date/],
      ['date=2026-12-06T10', 'date', /not a FHIR date/],
      ['date=2026-12-06Z', 'date', /not a FHIR date/],
      ['date=26-12-06', 'date', /not a FHIR date/],
      ['date=0000', 'date', /not a FHIR date/],
      ['date=2026-12-06T10:00:00.1234567890Z', 'date', /not a FHIR date/],
      ['action=X', 'action', /action 'X' is not one of C, R, U, D, E/],
      ['action=r', 'action', /not one of/],
      ['action=http://example.org|R', 'action', /system of action codes/],
      ['outcome=3', 'outcome', /outcome '3' is not one of 0, 4, 8, 12/],
      ['outcome=success', 'outcome', /not one of/],
      ['subtype=http://hl7.org/fhir/restful-interaction|', 'subtype', /no code/],
      ['_id=a_b', '_id', /not a valid FHIR id/],
      ['_count=-1', '_count', /whole number/],
      ['_count=abc', '_count', /whole number/],
      ['_count=1.5', '_count', /whole number/],
      ['_count=1e3', '_count', /whole number/],
      ['_count=10&_count=20', '_count', /more than once/],
      ['_offset=-3', '_offset', /whole number/],
      ['_offset=99999999999', '_offset', /whole number/],
      ['_total=maybe', '_total', /none, estimate, accurate/],
      [`patient=${'p,'.repeat(100)}p`, 'patient', /more than 100 values/],
      [`agent=${'x'.repeat(1025)}`, 'agent', /longer than 1024/],
      ['date=ge2026&'.repeat(11), 'date', /more than 10 times/],
    ];
    for (const [query, parameter, message] of cases) {
      const error = await failure(query);
      expect(error.code, query).toBe('BAD_USER_INPUT');
      expect(error.message, query).toMatch(message);
      expect(error.details.parameter, query).toBe(parameter);
      expect(error.message.length, query).toBeLessThan(400);
    }
  });

  it('keeps valid leap days and years before 100 apart from Date.UTC\'s quirks', async () => {
    expect(await ids('date=2028-02-29')).toEqual([]);
    expect(dateRange('0099')).toEqual({ lo: Date.parse('0099-01-01T00:00:00Z'), hi: Date.parse('0100-01-01T00:00:00Z') });
    expect(dateRange('2026-12')).toEqual({ lo: Date.parse('2026-12-01T00:00:00Z'), hi: Date.parse('2027-01-01T00:00:00Z') });
    expect(dateRange('2024-02-29')).toEqual({ lo: Date.parse('2024-02-29T00:00:00Z'), hi: Date.parse('2024-03-01T00:00:00Z') });
    expect(dateRange('2026-12-06T10:00:00.5Z')).toEqual({ lo: T0 + 500, hi: T0 + 600 });
    expect(dateRange('2026-12-06T10:00:00.12345Z')).toEqual({ lo: T0 + 124, hi: T0 + 124 });
  });
});
