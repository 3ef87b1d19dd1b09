import { auditEventsFromParts, auditEventsOf, auditPartsOf, type AuditPart } from '../audit/audit-events.ts';
import { AccessTrail } from '../fhir/access-trail.ts';
import type { Viewer } from '../fhir/viewer.ts';
import type { PipelineDeps } from '../http/create-yoga.ts';
import { requestIdOf, trailOf, viewerOf } from '../http/request-meta.ts';

export type AuditDeps = PipelineDeps['audit'];

/**
 * The audit trail of WebSocket operations, as use-audit.ts writes it for HTTP requests (subtype `graphql`): after each
 * result sent — a query's or mutation's one result, every event of a subscription — the accesses the FHIR core
 * recorded on the operation's trail since the previous result become their events. `strict` durability commits them
 * before the result is sent and answers false when that failed (the result must then not be sent).
 */
export function wsAuditor(deps: AuditDeps, log: (message: string) => void) {
  const write = async (events: Parameters<AuditDeps['writer']['write']>[0], id: string): Promise<boolean> => {
    if (events.length === 0) return true;
    if (deps.durability === 'batched') {
      void deps.writer.write(events).catch(() => undefined); // refused only after close
      return true;
    }
    try {
      await deps.writer.write(events);
      return true;
    } catch (error) {
      log(`audit trail: the events of request ${id} could not be committed (${(error as Error).message}); its result was not sent`);
      return false;
    }
  };
  /** The parts of a trail shared by a group's members, worked out for the first member only. */
  const sharedParts = new WeakMap<AccessTrail, readonly AuditPart[]>();
  const partsOf = (trail: AccessTrail) => {
    let parts = sharedParts.get(trail);
    if (parts === undefined) sharedParts.set(trail, (parts = auditPartsOf(trail, deps.paths)));
    return parts;
  };
  return {
    /**
     * Audits what `request` touched since its previous result — or `accesses`, what a stream shared with others
     * recorded to make this result (subscription-groups.ts) — as `request`'s; false when strict auditing failed.
     */
    async delivered(request: Request, networkAddress: string | undefined, accesses?: AccessTrail): Promise<boolean> {
      // Taken, not copied: the operation's trail keeps nothing it has audited (a subscription runs for hours).
      const delta = accesses ?? trailOf(request).take();
      if (delta.accesses.length === 0 && delta.denials.length === 0) return true;
      const id = requestIdOf(request);
      try {
        const audited = { requestId: id, viewer: viewerOf(request), networkAddress, subtype: 'graphql', query: undefined, status: 200, at: new Date() };
        return await write(accesses === undefined ? auditEventsOf(delta, audited, deps.paths) : auditEventsFromParts(partsOf(delta), delta.dropped, audited), id);
      } catch (error) {
        log(`audit trail: the events of request ${id} could not be made (${(error as Error).message})`);
        return deps.durability === 'batched';
      }
    },
    /** A connection refused for its token: one UNAUTHENTICATED failure event, as for an HTTP 401. */
    refused(requestId: string, viewer: Viewer, networkAddress: string | undefined): void {
      try {
        const events = auditEventsOf(new AccessTrail(), { requestId, viewer, networkAddress, subtype: 'graphql', query: undefined, status: 401, at: new Date() }, deps.paths);
        void deps.writer.write(events).catch(() => undefined);
      } catch (error) {
        log(`audit trail: the refusal of connection ${requestId} could not be recorded (${(error as Error).message})`);
      }
    },
  };
}
