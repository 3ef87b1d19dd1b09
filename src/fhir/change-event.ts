import type { FhirResource } from '../sources/fhir-types.ts';

/** What happened to a resource. */
export type ChangeAction = 'create' | 'update' | 'delete';

/**
 * One change of one resource in one source, as the durable event log holds it (src/events): numbered by the log,
 * strictly increasing over the whole deployment (a decimal string: it may pass 2^53), never reused.
 */
export interface ChangeEvent {
  readonly eventNumber: string;
  readonly action: ChangeAction;
  readonly sourceId: string;
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: string | null;
  /** The resource after the change; null after a delete. */
  readonly resource: FhirResource | null;
  /** A delete's last known version, when known: what decides who may hear of the delete. Never delivered. */
  readonly previous: FhirResource | null;
  /** When the log recorded it (epoch ms). */
  readonly recordedMs: number;
}

/** A change to record: the log numbers it. */
export type NewChange = Omit<ChangeEvent, 'eventNumber' | 'recordedMs'>;

/**
 * The change feed the FHIR core reads subscriptions from (implemented over the durable log in src/events, fanned out
 * to every replica). Transport-free: the core decides per event what a subscriber may see.
 */
export interface ChangeFeed {
  /**
   * The events of one resource type after `since` (exclusive), in log order, then live ones as they are committed,
   * until `signal` aborts or the iterator is returned. `since` undefined: from now on. Resolves once the subscriber is
   * registered (nothing committed after that is missed); a `since` older than the log keeps is EVENTS_EXPIRED, one
   * the log has not reached BAD_USER_INPUT — before anything is delivered, never a silently partial stream.
   */
  follow(resourceType: string, since: bigint | undefined, signal: AbortSignal): Promise<AsyncIterable<ChangeEvent>>;
  /** Records changes (committed before this resolves); a change already in the log (same source, resource, version and action) is not recorded twice. */
  record(changes: readonly NewChange[]): Promise<void>;
}
