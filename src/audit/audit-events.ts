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
  const row = rowMaker(request);
  const events: NewAuditEvent[] = [];
  for (const g of groups) {
    events.push(row({ action: g.action, outcome: '0', patient: g.patient, patientSource: g.patientSource, sources: g.sources, entities: g.entities }));
  }
  for (const denial of trail.denials) {
    events.push(row({
      action: denial.interaction === 'create' ? 'C' : denial.interaction === 'update' ? 'U' : denial.interaction === 'delete' ? 'D' : 'R',
      outcome: '8', patient: null, patientSource: null, sources: [], entities: [denial.resourceType],
      detail: { code: 'FORBIDDEN', resourceType: denial.resourceType, interaction: denial.interaction },
    }));
  }
  if (events.length === 0 && (request.status === 401 || request.status === 403)) {
    events.push(row({
      action: 'R', outcome: '8', patient: null, patientSource: null, sources: [], entities: [],
      detail: { code: request.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', status: request.status },
    }));
  }
  if (trail.dropped > 0 && events.length > 0) {
    const first = events[0]!;
    events[0] = { ...first, detail: JSON.stringify({ ...(first.detail ? JSON.parse(first.detail) as object : {}), notRecorded: trail.dropped }) };
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

interface Part {
  readonly action: AccessAction;
  readonly outcome: '0' | '4' | '8' | '12';
  readonly patient: string | null;
  readonly patientSource: string | null;
  readonly sources: Iterable<string>;
  readonly entities: Iterable<string>;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * The rows of one request: what every one of its events shares (time, agent, request id, query) is worked out once,
 * and the JSON of a source list once per distinct list, since a request makes one event per patient (50 for a page
 * of 50 Patients). Ids are UUIDv7, time-ordered, so that each new row goes to the end of the primary key's index
 * instead of a random page of it: one random UUIDv7 per request (48 bits of time, 74 random), its last four hex
 * digits replaced by the event's number (a new UUID every 65,536 events), which keeps 58 random bits per request.
 */
function rowMaker(request: AuditedRequest): (part: Part) => NewAuditEvent {
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
  const sourceLists = new Map<string, string>();
  const sourcesJson = (sources: Iterable<string>): string => {
    const list = [...sources];
    const key = list.join('\u0000');
    let json = sourceLists.get(key);
    if (json === undefined) sourceLists.set(key, (json = JSON.stringify(list)));
    return json;
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
    source_ids: sourcesJson(part.sources),
    query,
    patient: part.patient,
    patient_source: part.patientSource,
    entity: entityJson(part.entities),
    detail: part.detail === undefined ? null : JSON.stringify(part.detail),
  });
}

/** `[{"reference":"Patient/1"},...]` (what JSON.stringify of those objects gives), or null for none. */
function entityJson(references: Iterable<string>): string | null {
  let json = '';
  for (const reference of references) json += `${json === '' ? '[' : ','}{"reference":${JSON.stringify(reference)}}`;
  return json === '' ? null : `${json}]`;
}
