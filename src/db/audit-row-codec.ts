/**
 * Audit rows as they cross to the SQLite writer thread: one flat array of values, each row sending only the columns
 * that differ from the row before it (a bit mask, then those values in column order). One request's events share
 * most columns (time, agent, address, request id, query, source), so a page of 50 patients sends those once and
 * then, per event, little more than its id, patient and entities. The work on the main thread is a comparison per
 * column instead of a serialisation of every value (JSON or a structured clone of the row objects, both several
 * times dearer), and the array is cloned cheaply: a few hundred strings. The worker imports the decoder: nothing
 * here imports anything but types.
 */
import type { NewAuditEvent } from './schema.ts';

/**
 * Encodes `rows`: bit i of a row's mask is column i of AUDIT_EVENT_COLUMNS (./schema.ts), the order the decoder and
 * the insert use. Written out column by column: named property reads are several times cheaper than a loop reading
 * `row[column]` (test/db/audit-row-codec.test.ts holds this order to AUDIT_EVENT_COLUMNS).
 */
export function encodeAuditRows(rows: readonly NewAuditEvent[]): unknown[] {
  const out: unknown[] = [];
  let mask = 0;
  const put = (bit: number, value: unknown) => {
    mask |= 1 << bit;
    out.push(value ?? null);
  };
  let p: NewAuditEvent | undefined;
  for (const r of rows) {
    const at = out.length;
    out.push(0);
    mask = 0;
    if (p === undefined || !same(r.id, p.id)) put(0, r.id);
    if (p === undefined || !same(r.recorded, p.recorded)) put(1, r.recorded);
    if (p === undefined || !same(r.recorded_ms, p.recorded_ms)) put(2, r.recorded_ms);
    if (p === undefined || !same(r.action, p.action)) put(3, r.action);
    if (p === undefined || !same(r.outcome, p.outcome)) put(4, r.outcome);
    if (p === undefined || !same(r.type_code, p.type_code)) put(5, r.type_code);
    if (p === undefined || !same(r.subtype, p.subtype)) put(6, r.subtype);
    if (p === undefined || !same(r.agent_sub, p.agent_sub)) put(7, r.agent_sub);
    if (p === undefined || !same(r.agent_client_id, p.agent_client_id)) put(8, r.agent_client_id);
    if (p === undefined || !same(r.agent_fhir_user, p.agent_fhir_user)) put(9, r.agent_fhir_user);
    if (p === undefined || !same(r.network_address, p.network_address)) put(10, r.network_address);
    if (p === undefined || !same(r.request_id, p.request_id)) put(11, r.request_id);
    if (p === undefined || !same(r.source_ids, p.source_ids)) put(12, r.source_ids);
    if (p === undefined || !same(r.query, p.query)) put(13, r.query);
    if (p === undefined || !same(r.patient, p.patient)) put(14, r.patient);
    if (p === undefined || !same(r.patient_source, p.patient_source)) put(15, r.patient_source);
    if (p === undefined || !same(r.entity, p.entity)) put(16, r.entity);
    if (p === undefined || !same(r.detail, p.detail)) put(17, r.detail);
    out[at] = mask;
    p = r;
  }
  return out;
}

/** Equal as stored: a missing value is null. */
const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);

/** Calls `each` with every row's values in column order (the same array each time, overwritten per row). */
export function decodeRows<V>(encoded: readonly unknown[], width: number, each: (values: V[]) => void): void {
  const values = new Array<V>(width).fill(null as V);
  let at = 0;
  while (at < encoded.length) {
    const mask = encoded[at++] as number;
    for (let i = 0; i < width; i++) if ((mask & (1 << i)) !== 0) values[i] = encoded[at++] as V;
    each(values);
  }
}
