/**
 * A stored audit row (src/db/schema.ts, `audit_event`) as a FHIR R4 AuditEvent (https://hl7.org/fhir/R4/auditevent.html),
 * shaped after IHE BALP, Basic Audit Log Patterns (https://profiles.ihe.net/ITI/BALP/): the PatientRead / PatientQuery /
 * PatientCreate / ... patterns recorded by the server, the gateway being that server.
 *
 * - `type`: audit-event-type#rest; `subtype`: the FHIR restful-interaction code of the interaction (read, vread,
 *   search-type, history-instance, create, update, patch, delete, batch, transaction, ...). GraphQL has no code in
 *   FHIR: `graphql` (the /graphql endpoint) is SUBTYPE_SYSTEM#graphql; `$graphql` (the FHIR operation) is
 *   restful-interaction#operation plus SUBTYPE_SYSTEM#$graphql. A stored subtype that is none of these keeps its
 *   code under SUBTYPE_SYSTEM (never a made-up restful-interaction code).
 * - `agent`, as BALP slices them: the user (`type` v3-ParticipationType IRCP "information recipient" for reads,
 *   queries and operations, AUT "author" for create/update/delete; `who.identifier.value` = the token's `sub`,
 *   `who.reference` = its `fhirUser`; requestor true; `who.display` 'anonymous' when the gateway runs without auth);
 *   the client (the application: `who.identifier.value` = its client id, else `who.display` = its address; `network`
 *   = the address the gateway saw, type 2 "IP address" or 1 "machine name"); the server (the gateway: `who.display`
 *   'fhir-graphql-gateway', `network` its FHIR base URL when the caller knows it, type 5 "URI"). DICOM roles as BALP
 *   has them: for a Read (action R) the client is the Destination (110152) and the server the Source (110153); for
 *   everything else (query, create, update, delete, execute) the client is the Source and the server the Destination.
 *   BALP's user slice has no `network`, so the address goes on the client agent, not on the user.
 * - `source`: `observer.display` 'fhir-graphql-gateway', `type` security-source-type#4 (application server), and
 *   `site` = the ids of the upstream sources the access reached, comma-separated.
 * - `entity`: the patient (`what.reference`, audit-entity-type#1 Person, object-role#1 Patient; the source the
 *   reference belongs to as `detail` {type 'source'}); each accessed resource (audit-entity-type#2 System Object,
 *   object-role#4 Domain Resource; `what.reference`, or `what.type` alone for a bare resource type, as a denial
 *   names what it refused); the query (System Object, object-role#24 Query, `query` = base64 of the UTF-8
 *   text, as BALP wants it raw); the request id as BALP's transaction entity (`what.identifier.value` = the
 *   X-Request-Id, `type` = BasicAuditEntityType#XrequestId).
 * - `outcome` 0/4/8/12; a failure or denial gets `outcomeDesc` from the `detail` column.
 *
 * No `meta.profile` is claimed: a row may lack what BALP requires (a client address, the server's URL) and the
 * GraphQL subtypes are outside BALP's value sets. A JSON column that does not parse, or has an unexpected shape, is
 * left out of the resource (never an error: an auditor must be able to read every event).
 */
import { isIP } from 'node:net';
import type { AuditEventRow } from '../db/schema.ts';

/** The code system of the gateway's own AuditEvent subtypes (GraphQL requests). */
export const SUBTYPE_SYSTEM = 'urn:fhir-graphql-gateway:audit-subtype';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const OBSERVER = 'fhir-graphql-gateway';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';

/** The R4 restful-interaction codes (their display is the code itself). */
export const RESTFUL_INTERACTIONS: ReadonlySet<string> = new Set([
  'read', 'vread', 'update', 'patch', 'delete', 'history', 'history-instance', 'history-type', 'history-system',
  'create', 'search', 'search-type', 'search-system', 'capabilities', 'transaction', 'batch', 'operation',
]);

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

/** The `subtype` codings of a stored subtype (see the file's comment). */
export function subtypeCodings(subtype: string): Coding[] {
  if (RESTFUL_INTERACTIONS.has(subtype)) return [{ system: RESTFUL_INTERACTION, code: subtype, display: subtype }];
  if (subtype === '$graphql') {
    return [
      { system: RESTFUL_INTERACTION, code: 'operation', display: 'operation' },
      { system: SUBTYPE_SYSTEM, code: '$graphql', display: 'FHIR $graphql operation' },
    ];
  }
  if (subtype === 'graphql') return [{ system: SUBTYPE_SYSTEM, code: 'graphql', display: 'GraphQL request' }];
  return [{ system: SUBTYPE_SYSTEM, code: subtype }];
}

export interface AuditEventOptions {
  /** The gateway's FHIR base URL as the client reached it: the server agent's network address. */
  readonly server?: string;
}

/** The AuditEvent of one stored row. Never throws for a row the database holds (bad JSON columns are left out). */
export function toAuditEvent(row: AuditEventRow, options: AuditEventOptions = {}): Record<string, unknown> {
  const event: Record<string, unknown> = {
    resourceType: 'AuditEvent',
    id: row.id,
    type: {
      system: AUDIT_EVENT_TYPE,
      code: row.type_code,
      ...(row.type_code === 'rest' && { display: 'RESTful Operation' }),
    },
    subtype: subtypeCodings(row.subtype),
    action: row.action,
    recorded: recordedOf(row),
    outcome: row.outcome,
  };
  if (row.outcome !== '0') {
    const description = describe(row.detail);
    if (description !== undefined) event.outcomeDesc = description;
  }
  event.agent = agentsOf(row, options);
  const sources = stringArray(row.source_ids);
  event.source = {
    ...(sources !== undefined && sources.length > 0 && { site: sources.join(', ') }),
    observer: { display: OBSERVER },
    type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
  };
  event.entity = entitiesOf(row);
  return event;
}

function recordedOf(row: AuditEventRow): string {
  // `recorded` is written by Date#toISOString(); should it ever not be an instant, the epoch column is the truth.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(row.recorded)) return row.recorded;
  const ms = Number(row.recorded_ms);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : row.recorded;
}

function agentsOf(row: AuditEventRow, options: AuditEventOptions): Record<string, unknown>[] {
  const isRead = row.action === 'R';
  const writes = row.action === 'C' || row.action === 'U' || row.action === 'D';
  const clientRole = isRead ? dcm('110152', 'Destination Role ID') : dcm('110153', 'Source Role ID');
  const serverRole = isRead ? dcm('110153', 'Source Role ID') : dcm('110152', 'Destination Role ID');

  const who: Record<string, unknown> = {};
  if (row.agent_fhir_user) who.reference = row.agent_fhir_user;
  if (row.agent_sub) who.identifier = { value: row.agent_sub };
  if (!row.agent_fhir_user && !row.agent_sub) who.display = 'anonymous';
  const user = {
    type: {
      coding: [writes
        ? { system: PARTICIPATION, code: 'AUT', display: 'author (originator)' }
        : { system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }],
    },
    who,
    requestor: true,
  };

  const agents: Record<string, unknown>[] = [user];
  if (row.agent_client_id || row.network_address) {
    agents.push({
      type: { coding: [clientRole] },
      who: row.agent_client_id ? { identifier: { value: row.agent_client_id } } : { display: row.network_address },
      requestor: false,
      ...(row.network_address && { network: { address: row.network_address, type: isIP(row.network_address) !== 0 ? '2' : '1' } }),
    });
  }
  agents.push({
    type: { coding: [serverRole] },
    who: { display: OBSERVER },
    requestor: false,
    ...(options.server !== undefined && { network: { address: options.server, type: '5' } }),
  });
  return agents;
}

function dcm(code: string, display: string): Coding {
  return { system: DCM, code, display };
}

function entitiesOf(row: AuditEventRow): Record<string, unknown>[] {
  const entities: Record<string, unknown>[] = [];
  if (row.patient) {
    entities.push({
      what: { reference: row.patient },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      ...(row.patient_source && { detail: [{ type: 'source', valueString: row.patient_source }] }),
    });
  }
  for (const accessed of accessedOf(row.entity)) {
    entities.push({
      what: accessed,
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
    });
  }
  if (row.query) {
    entities.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(row.query, 'utf8').toString('base64'),
    });
  }
  entities.push({
    what: { identifier: { value: row.request_id } },
    type: { system: BALP_ENTITY_TYPE, code: 'XrequestId' },
  });
  return entities;
}

/**
 * The `entity` column: an array of `{ reference, display? }` (or plain reference strings); a bare resource type (what
 * a denial names, or a resource without an id) becomes a Reference with only its `type`. Anything else is skipped.
 */
function accessedOf(json: string | null): Record<string, string>[] {
  const value = parsed(json);
  if (!Array.isArray(value)) return [];
  const out: Record<string, string>[] = [];
  for (const item of value) {
    const reference = typeof item === 'string' ? item : isObject(item) && typeof item.reference === 'string' ? item.reference : '';
    if (reference === '') continue;
    const display: Record<string, string> = isObject(item) && typeof item.display === 'string' ? { display: item.display } : {};
    out.push(RESOURCE_TYPE.test(reference) ? { type: reference, ...display } : { reference, ...display });
  }
  return out;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * `outcomeDesc` from the `detail` column (audit-events.ts writes e.g. `{"code":"FORBIDDEN","resourceType":"Observation",
 * "interaction":"read"}` or `{"code":"UNAUTHENTICATED","status":401}`): `CODE: text` from the code and a `text`,
 * `message` or `diagnostics`, else from the interaction and type (`FORBIDDEN: read Observation refused`), with the
 * HTTP status when there is one; a JSON string as it is; any other object as its compact JSON.
 */
function describe(json: string | null): string | undefined {
  const value = parsed(json);
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (!isObject(value)) return undefined;
  const code = typeof value.code === 'string' && value.code !== '' ? value.code : undefined;
  const text = [value.text, value.message, value.diagnostics].find((t): t is string => typeof t === 'string' && t !== '')
    ?? (typeof value.interaction === 'string' && typeof value.resourceType === 'string' ? `${value.interaction} ${value.resourceType} refused` : undefined);
  const status = typeof value.status === 'number' ? ` (HTTP ${value.status})` : '';
  if (code !== undefined || text !== undefined) return `${[code, text].filter((p) => p !== undefined).join(': ')}${status}`;
  const compact = JSON.stringify(value);
  return compact === '{}' ? undefined : compact;
}

function stringArray(json: string | null): string[] | undefined {
  const value = parsed(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : undefined;
}

function parsed(json: string | null): unknown {
  if (json === null || json === '') return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
