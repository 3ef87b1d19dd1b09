/** Audit rows for the read side's tests: complete rows (all columns), inserted directly with kysely. */
import type { Db } from '../../src/db/database.ts';
import type { AuditEventRow, NewAuditEvent } from '../../src/db/schema.ts';
import { auditRow } from '../db/helpers.ts';

/** A complete row as the database returns it (test/db/helpers.ts auditRow, every column set). */
export function storedRow(overrides: Partial<NewAuditEvent> & { recorded_ms?: number } = {}): AuditEventRow {
  const row = auditRow(overrides);
  return {
    id: row.id,
    recorded: row.recorded,
    recorded_ms: row.recorded_ms,
    action: row.action,
    outcome: row.outcome,
    type_code: row.type_code,
    subtype: row.subtype,
    agent_sub: row.agent_sub ?? null,
    agent_client_id: row.agent_client_id ?? null,
    agent_fhir_user: row.agent_fhir_user ?? null,
    network_address: row.network_address ?? null,
    request_id: row.request_id,
    source_ids: row.source_ids,
    query: row.query ?? null,
    patient: row.patient ?? null,
    patient_source: row.patient_source ?? null,
    entity: row.entity ?? null,
    detail: row.detail ?? null,
  };
}

export async function insertRows(db: Db, rows: readonly NewAuditEvent[]): Promise<void> {
  await db.kysely.insertInto('audit_event').values([...rows]).execute();
}

export const T0 = Date.parse('2026-12-06T10:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * The trail the search and route tests read, newest first: c, b, g, h, a, d, e, f (h and a share an instant; ties go
 * by id). Who: user-1 (client portal, Practitioner/pr-1), user-2 (dashboard, Practitioner/pr-2), user-3 (portal, no
 * fhirUser), and one anonymous event (f).
 */
export function trail(): NewAuditEvent[] {
  const user1 = { agent_sub: 'user-1', agent_client_id: 'portal', agent_fhir_user: 'Practitioner/pr-1' };
  const user2 = { agent_sub: 'user-2', agent_client_id: 'dashboard', agent_fhir_user: 'Practitioner/pr-2' };
  const user3 = { agent_sub: 'user-3', agent_client_id: 'portal', agent_fhir_user: null };
  return [
    auditRow({ id: 'ev-a', recorded_ms: T0, patient: 'Patient/p1', action: 'R', subtype: 'read', outcome: '0', ...user1 }),
    auditRow({ id: 'ev-g', recorded_ms: T0 + 123, patient: 'Patient/p1', action: 'R', subtype: 'vread', outcome: '0', ...user1 }),
    auditRow({ id: 'ev-b', recorded_ms: T0 + HOUR, patient: 'Patient/p1', action: 'E', subtype: 'search-type', outcome: '4', query: 'Observation?patient=Patient/p1', ...user2 }),
    auditRow({ id: 'ev-c', recorded_ms: T0 + DAY, patient: 'Patient/p2', action: 'R', subtype: '$graphql', outcome: '0', query: '{ Patient(id: "p2") { id } }', ...user1 }),
    auditRow({ id: 'ev-d', recorded_ms: T0 - DAY, patient: 'Patient/p2', action: 'C', subtype: 'create', outcome: '8', detail: JSON.stringify({ code: 'FORBIDDEN', text: 'no create Observation' }), ...user3 }),
    auditRow({ id: 'ev-e', recorded_ms: Date.parse('2026-11-30T23:59:59.999Z'), patient: 'Patient/p3', action: 'U', subtype: 'update', outcome: '0', ...user2 }),
    auditRow({ id: 'ev-f', recorded_ms: Date.parse('2025-06-01T00:00:00.000Z'), patient: null, patient_source: null, action: 'E', subtype: 'graphql', outcome: '12', agent_sub: null, agent_client_id: null, agent_fhir_user: null }),
    auditRow({ id: 'ev-h', recorded_ms: T0, patient: 'Patient/p3', action: 'D', subtype: 'delete', outcome: '0', ...user3 }),
  ];
}

export const NEWEST_FIRST = ['ev-c', 'ev-b', 'ev-g', 'ev-h', 'ev-a', 'ev-d', 'ev-e', 'ev-f'];
