// The encoding of audit rows for the SQLite writer thread: every row decodes to its values in AUDIT_EVENT_COLUMNS
// order (the order of the insert's parameters), whatever repeats from one row to the next, and a missing value is null.
import { describe, expect, it } from 'vitest';
import { decodeRows, encodeAuditRows } from '../../src/db/audit-row-codec.ts';
import { AUDIT_EVENT_COLUMNS, type NewAuditEvent } from '../../src/db/schema.ts';
import { auditRow } from './helpers.ts';

const decoded = (encoded: readonly unknown[]) => {
  const rows: unknown[][] = [];
  decodeRows<unknown>(encoded, AUDIT_EVENT_COLUMNS.length, (values) => rows.push([...values]));
  return rows;
};
const inColumnOrder = (row: NewAuditEvent) => AUDIT_EVENT_COLUMNS.map((c) => (row as unknown as Record<string, unknown>)[c] ?? null);

describe('encodeAuditRows / decodeRows', () => {
  it('a row whose every column differs from the one before sends them all, in AUDIT_EVENT_COLUMNS order', () => {
    const distinct = (n: number) => Object.fromEntries(AUDIT_EVENT_COLUMNS.map((c, i) => [c, c === 'recorded_ms' ? n * 100 + i : `${c}-${n}`])) as unknown as NewAuditEvent;
    const rows = [distinct(1), distinct(2), distinct(3)];
    const encoded = encodeAuditRows(rows);
    expect(encoded).toHaveLength(3 * (1 + AUDIT_EVENT_COLUMNS.length));
    expect(encoded.slice(1, 1 + AUDIT_EVENT_COLUMNS.length)).toEqual(inColumnOrder(rows[0]!)); // bit i = column i
    expect(decoded(encoded)).toEqual(rows.map(inColumnOrder));
  });

  it('sends what repeats once: one request\'s events cost their id, patient and entities', () => {
    const shared = { request_id: 'req-1', recorded_ms: 1_796_552_565_424, agent_sub: null, query: 'a=b' };
    const rows = Array.from({ length: 50 }, (_, i) => auditRow({ ...shared, id: `id-${i}`, patient: `Patient/p${i}`, entity: `[{"reference":"Patient/p${i}"}]` }));
    const encoded = encodeAuditRows(rows);
    expect(encoded.length).toBe(1 + AUDIT_EVENT_COLUMNS.length + 49 * 4);
    expect(decoded(encoded)).toEqual(rows.map(inColumnOrder));
  });

  it('a value missing and a null are the same; a value that comes back after a different one is sent again', () => {
    const a = auditRow({ id: 'a', detail: null, query: 'q' });
    const { detail: _omitted, ...withoutDetail } = auditRow({ id: 'b', query: 'q' });
    const c = auditRow({ id: 'c', detail: '{"x":1}', query: null });
    const d = auditRow({ id: 'd', detail: null, query: 'q' });
    const rows = [a, withoutDetail as NewAuditEvent, c, d];
    expect(decoded(encodeAuditRows(rows))).toEqual(rows.map(inColumnOrder));
    expect(decoded(encodeAuditRows([]))).toEqual([]);
  });
});
