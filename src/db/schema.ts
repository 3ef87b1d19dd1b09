/**
 * The tables as kysely sees them (`Kysely<Database>`). The migrations in ./migrations/ create them; a column added
 * there is added here in the same change. Types are what both SQLite and PostgreSQL return: text, and integers as
 * numbers (PostgreSQL's bigint is read as a number, see ./database.ts).
 */
import type { Insertable, Selectable } from 'kysely';

export interface Database {
  audit_event: AuditEventTable;
}

/** FHIR AuditEvent `action`: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** FHIR AuditEvent `outcome`: success, minor failure, serious failure, major failure. */
export type AuditOutcome = '0' | '4' | '8' | '12';

/**
 * One AuditEvent of the audit trail (BALP-shaped, one per patient per access): append-only, never updated (the
 * database refuses an UPDATE). JSON columns hold JSON text.
 */
export interface AuditEventTable {
  /** A UUID, made by the writer. */
  id: string;
  /** When the access happened: an ISO-8601 instant with milliseconds and 'Z' (`Date#toISOString()`). */
  recorded: string;
  /** The same instant in epoch milliseconds, for range queries. */
  recorded_ms: number;
  action: AuditAction;
  outcome: AuditOutcome;
  /** AuditEvent.type code: 'rest' (http://terminology.hl7.org/CodeSystem/audit-event-type). */
  type_code: string;
  /**
   * AuditEvent.subtype: the FHIR interaction (read, vread, search-type, history-instance, create, update, patch,
   * delete, batch, transaction, …) or the operation ('$graphql', 'graphql').
   */
  subtype: string;
  /** The token's `sub`; null when anonymous. */
  agent_sub: string | null;
  /** The token's client id. */
  agent_client_id: string | null;
  /** The token's `fhirUser`, e.g. `Practitioner/123`. */
  agent_fhir_user: string | null;
  /** The client's address, as the gateway saw it. */
  network_address: string | null;
  /** The request id of the access (X-Request-Id). */
  request_id: string;
  /** JSON array of the source ids read or written. */
  source_ids: string;
  /** The query: a FHIR search string, or a GraphQL document / operation name. */
  query: string | null;
  /** The patient the event is about, as a reference (`Patient/pat-0001`); null when none. */
  patient: string | null;
  /** The source the patient reference belongs to. */
  patient_source: string | null;
  /** JSON: what was accessed, e.g. `[{"reference":"Observation/o1"}]`. */
  entity: string | null;
  /** JSON: further detail, e.g. the error code of a denial. */
  detail: string | null;
}

export type AuditEventRow = Selectable<AuditEventTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;

/**
 * Every column of audit_event, in the order the append path binds them (./audit-append.ts). The type check below
 * fails when a column is added to AuditEventTable and not here.
 */
export const AUDIT_EVENT_COLUMNS = Object.freeze([
  'id', 'recorded', 'recorded_ms', 'action', 'outcome', 'type_code', 'subtype', 'agent_sub', 'agent_client_id',
  'agent_fhir_user', 'network_address', 'request_id', 'source_ids', 'query', 'patient', 'patient_source', 'entity', 'detail',
] as const satisfies readonly (keyof AuditEventTable)[]);

type Missing = Exclude<keyof AuditEventTable, (typeof AUDIT_EVENT_COLUMNS)[number]>;
const everyColumn: [Missing] extends [never] ? true : Missing = true;
void everyColumn;
