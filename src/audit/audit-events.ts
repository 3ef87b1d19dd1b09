import { randomUUID } from 'node:crypto';
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
  const groups = new Map<string, { action: AccessAction; patient: string | null; patientSource: string | null; sources: Set<string>; entities: Set<string> }>();
  for (const access of trail.accesses) {
    for (const resource of access.resources) {
      const sourceId = access.sourceId ?? originOf(resource)?.sourceId;
      const reference = resource.id === undefined ? resource.resourceType : `${resource.resourceType}/${resource.id}`;
      const patients = compartmentPatients(resource, paths) ?? [];
      for (const patient of patients.length === 0 ? [null] : patients) {
        const key = `${access.action}|${patient === null ? '' : `${sourceId ?? ''}|${patient}`}`;
        let group = groups.get(key);
        if (group === undefined) {
          group = { action: access.action, patient: patient === null ? null : `Patient/${patient}`, patientSource: patient === null ? null : (sourceId ?? null), sources: new Set(), entities: new Set() };
          groups.set(key, group);
        }
        if (sourceId !== undefined) group.sources.add(sourceId);
        if (group.entities.size < MAX_ENTITIES) group.entities.add(reference);
      }
    }
  }
  const events: NewAuditEvent[] = [...groups.values()].map((g) =>
    row(request, { action: g.action, outcome: '0', patient: g.patient, patientSource: g.patientSource, sources: [...g.sources], entities: [...g.entities] }));
  for (const denial of trail.denials) {
    events.push(row(request, {
      action: denial.interaction === 'create' ? 'C' : denial.interaction === 'update' ? 'U' : denial.interaction === 'delete' ? 'D' : 'R',
      outcome: '8', patient: null, patientSource: null, sources: [], entities: [denial.resourceType],
      detail: { code: 'FORBIDDEN', resourceType: denial.resourceType, interaction: denial.interaction },
    }));
  }
  if (events.length === 0 && (request.status === 401 || request.status === 403)) {
    events.push(row(request, {
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

interface Part {
  readonly action: AccessAction;
  readonly outcome: '0' | '4' | '8' | '12';
  readonly patient: string | null;
  readonly patientSource: string | null;
  readonly sources: readonly string[];
  readonly entities: readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

function row(request: AuditedRequest, part: Part): NewAuditEvent {
  const viewer = request.viewer;
  const token = viewer.kind === 'token' ? viewer : undefined;
  return {
    id: randomUUID(),
    recorded: request.at.toISOString(),
    recorded_ms: request.at.getTime(),
    action: part.action,
    outcome: part.outcome,
    type_code: 'rest',
    subtype: request.subtype,
    agent_sub: token?.subject ?? null,
    agent_client_id: token?.clientId ?? null,
    agent_fhir_user: token?.fhirUser ?? null,
    network_address: request.networkAddress ?? null,
    request_id: request.requestId,
    source_ids: JSON.stringify(part.sources),
    query: request.query === undefined ? null : request.query.slice(0, MAX_QUERY),
    patient: part.patient,
    patient_source: part.patientSource,
    entity: part.entities.length === 0 ? null : JSON.stringify(part.entities.map((reference) => ({ reference }))),
    detail: part.detail === undefined ? null : JSON.stringify(part.detail),
  };
}
