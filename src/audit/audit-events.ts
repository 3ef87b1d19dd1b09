import { randomUUIDv7 } from 'node:crypto';
import type { NewAuditEvent } from '../db/schema.ts';
import type { AccessAction, AccessTrail } from '../fhir/access-trail.ts';
import { compartmentPatients, type CompartmentPaths } from '../fhir/compartment.ts';
import type { Viewer } from '../fhir/viewer.ts';
import { originOf } from '../sources/resource-origin.ts';

/** What the edge knows of the request an audit event is about. */
export interface AuditedRequest {
  readonly requestId: string;
  readonly viewer: Viewer;
  readonly networkAddress: string | undefined;
  /** The FHIR interaction or operation: read, vread, search-type, history, create, update, patch, delete, batch, graphql, $graphql. */
  readonly subtype: string;
  /** The search or document, as sent (no GraphQL variables: they are kept out of the trail like out of the logs). */
  readonly query: string | undefined;
  /** The HTTP status of the answer. */
  readonly status: number;
  readonly at: Date;
}

const MAX_ENTITIES = 100;
const MAX_QUERY = 8_192;

/**
 * The audit trail of one answered request, shaped after IHE BALP: **one event per patient** whose data the request
 * read or wrote (by R4's Patient compartment, per source: the same person in two sources is two patients here), one
 * event without a patient for resources outside the compartment (Practitioner, Organization...), and one failure
 * event (outcome 8) per refused access — a token that is not valid (401) or a scope that does not grant it (403 /
 * FORBIDDEN). A request that touched no resource and was refused nothing leaves no event.
 */
export function auditEventsOf(trail: AccessTrail, request: AuditedRequest, paths: CompartmentPaths): NewAuditEvent[] {
  return auditEventsFromParts(auditPartsOf(trail, paths), trail.dropped, request);
}

/**
 * What a trail's events will say, before they are anyone's: one part per patient (and one for resources without a
 * patient) per action and source, one per refused access. Worked out once for a result that several requests
 * delivered (a subscription stream shared by its subscribers), then made into each one's events.
 */
export function auditPartsOf(trail: AccessTrail, paths: CompartmentPaths): readonly AuditPart[] {
  // In the order first seen; found by action and source, then patient id (each resource's own id string: no key to
  // build per resource), and the resources without a patient by action alone.
  const groups: Group[] = [];
  const byPatient = new Map<string, Map<string, Group>>();
  const withoutPatient = new Map<AccessAction, Group>();
  const patientsOf = (action: AccessAction, sourceId: string | undefined) => {
    const key = `${action}|${sourceId ?? ''}`;
    let found = byPatient.get(key);
    if (found === undefined) byPatient.set(key, (found = new Map()));
    return found;
  };
  for (const access of trail.accesses) {
    const { action } = access;
    const ofSource = access.sourceId === undefined ? undefined : patientsOf(action, access.sourceId);
    for (const resource of access.resources) {
      const sourceId = access.sourceId ?? originOf(resource)?.sourceId;
      const reference = resource.id === undefined ? resource.resourceType : `${resource.resourceType}/${resource.id}`;
      const patients = compartmentPatients(resource, paths);
      if (patients === undefined || patients.length === 0) {
        let group = withoutPatient.get(action);
        if (group === undefined) {
          withoutPatient.set(action, (group = newGroup(action, null, null)));
          groups.push(group);
        }
        group.add(sourceId, reference);
        continue;
      }
      const ofPatient = ofSource ?? patientsOf(action, sourceId);
      for (const patient of patients) {
        let group = ofPatient.get(patient);
        if (group === undefined) {
          ofPatient.set(patient, (group = newGroup(action, `Patient/${patient}`, sourceId ?? null)));
          groups.push(group);
        }
        group.add(sourceId, reference);
      }
    }
  }
  const part = partMaker();
  const parts: AuditPart[] = [];
  for (const g of groups) {
    parts.push(part({ action: g.action, outcome: '0', patient: g.patient, patientSource: g.patientSource, sources: g.sources, entities: g.entities }));
  }
  for (const denial of trail.denials) {
    parts.push(part({
      action: denial.interaction === 'create' ? 'C' : denial.interaction === 'update' ? 'U' : denial.interaction === 'delete' ? 'D' : 'R',
      outcome: '8', patient: null, patientSource: null, sources: [], entities: [denial.resourceType],
      detail: { code: 'FORBIDDEN', resourceType: denial.resourceType, interaction: denial.interaction },
    }));
  }
  return parts;
}

/** The events of `request` for the parts of its trail (auditPartsOf); `dropped`: resources its trail could not keep. */
export function auditEventsFromParts(parts: readonly AuditPart[], dropped: number, request: AuditedRequest): NewAuditEvent[] {
  const row = rowMaker(request);
  const events: NewAuditEvent[] = parts.map(row);
  if (events.length === 0 && (request.status === 401 || request.status === 403)) {
    events.push(row(partMaker()({
      action: 'R', outcome: '8', patient: null, patientSource: null, sources: [], entities: [],
      detail: { code: request.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', status: request.status },
    })));
  }
  if (dropped > 0 && events.length > 0) {
    const first = events[0]!;
    events[0] = { ...first, detail: JSON.stringify({ ...(first.detail ? JSON.parse(first.detail) as object : {}), notRecorded: dropped }) };
  }
  return events;
}

interface Group {
  readonly action: AccessAction;
  readonly patient: string | null;
  readonly patientSource: string | null;
  readonly sources: Set<string>;
  readonly entities: Set<string>;
  add(sourceId: string | undefined, reference: string): void;
}

function newGroup(action: AccessAction, patient: string | null, patientSource: string | null): Group {
  const sources = new Set<string>();
  const entities = new Set<string>();
  return {
    action, patient, patientSource, sources, entities,
    add(sourceId, reference) {
      if (sourceId !== undefined) sources.add(sourceId);
      if (entities.size < MAX_ENTITIES) entities.add(reference);
    },
  };
}

/** One event's content, whoever's request it is (its lists as the row's JSON). */
export interface AuditPart {
  readonly action: AccessAction;
  readonly outcome: '0' | '4' | '8' | '12';
  readonly patient: string | null;
  readonly patientSource: string | null;
  readonly sourceIds: string;
  readonly entity: string | null;
  readonly detail: string | null;
}

interface PartContent extends Omit<AuditPart, 'sourceIds' | 'entity' | 'detail'> {
  readonly sources: Iterable<string>;
  readonly entities: Iterable<string>;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Parts with their JSON; the JSON of a source list made once per distinct list (one event per patient: 50 for a page of 50 Patients). */
function partMaker(): (content: PartContent) => AuditPart {
  const sourceLists = new Map<string, string>();
  const sourcesJson = (sources: Iterable<string>): string => {
    const list = [...sources];
    const key = list.join('\u0000');
    let json = sourceLists.get(key);
    if (json === undefined) sourceLists.set(key, (json = JSON.stringify(list)));
    return json;
  };
  return (c) => ({
    action: c.action,
    outcome: c.outcome,
    patient: c.patient,
    patientSource: c.patientSource,
    sourceIds: sourcesJson(c.sources),
    entity: entityJson(c.entities),
    detail: c.detail === undefined ? null : JSON.stringify(c.detail),
  });
}

/**
 * The rows of one request: what every one of its events shares (time, agent, request id, query) is worked out once.
 * Ids are UUIDv7, time-ordered, so that each new row goes to the end of the primary key's index
 * instead of a random page of it: one random UUIDv7 per request (48 bits of time, 74 random), its last four hex
 * digits replaced by the event's number (a new UUID every 65,536 events), which keeps 58 random bits per request.
 */
function rowMaker(request: AuditedRequest): (part: AuditPart) => NewAuditEvent {
  const viewer = request.viewer;
  const token = viewer.kind === 'token' ? viewer : undefined;
  const recorded = request.at.toISOString();
  const recordedMs = request.at.getTime();
  const subtype = request.subtype;
  const agentSub = token?.subject ?? null;
  const agentClientId = token?.clientId ?? null;
  const agentFhirUser = token?.fhirUser ?? null;
  const networkAddress = request.networkAddress ?? null;
  const requestId = request.requestId;
  const query = request.query === undefined ? null : request.query.slice(0, MAX_QUERY);
  let idBase = '';
  let idCount = 0x10000;
  const nextId = () => {
    if (idCount === 0x10000) {
      idBase = randomUUIDv7().slice(0, 32);
      idCount = 0;
    }
    return idBase + (idCount++).toString(16).padStart(4, '0');
  };
  return (part) => ({
    id: nextId(),
    recorded,
    recorded_ms: recordedMs,
    action: part.action,
    outcome: part.outcome,
    type_code: 'rest',
    subtype,
    agent_sub: agentSub,
    agent_client_id: agentClientId,
    agent_fhir_user: agentFhirUser,
    network_address: networkAddress,
    request_id: requestId,
    source_ids: part.sourceIds,
    query,
    patient: part.patient,
    patient_source: part.patientSource,
    entity: part.entity,
    detail: part.detail,
  });
}

/** `[{"reference":"Patient/1"},...]` (what JSON.stringify of those objects gives), or null for none. */
function entityJson(references: Iterable<string>): string | null {
  let json = '';
  for (const reference of references) json += `${json === '' ? '[' : ','}{"reference":${JSON.stringify(reference)}}`;
  return json === '' ? null : `${json}]`;
}
