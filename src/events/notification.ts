import type { ChangeAction } from '../fhir/change-event.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { isFhirId } from '../sources/reference.ts';

/** One resource a notification tells of. */
export interface NotifiedChange {
  readonly resourceType: string;
  readonly id: string;
  /** The resource as the notification carries it; null when it names only the id (the gateway reads it). */
  readonly resource: FhirResource | null;
  /** What happened, when the notification says (a Bundle entry's request.method, a delete header or route); else undefined. */
  readonly action: ChangeAction | undefined;
}

/** The topic-based part of a notification (R4 backport `Parameters`, R4B/R5 `SubscriptionStatus`). */
export interface NotificationStatus {
  /** The Subscription's reference, as the source gave it. */
  readonly subscription: string | undefined;
  /** handshake, heartbeat, event-notification, query-status, query-event. */
  readonly type: string | undefined;
  /** How many events the Subscription has raised since it started, this notification's included. */
  readonly eventsSinceStart: bigint | undefined;
  /** The numbers of the events this notification carries, ascending. */
  readonly eventNumbers: readonly bigint[];
}

/** A rest-hook notification, whatever its form, as what changed. */
export interface Notification {
  readonly status: NotificationStatus | undefined;
  readonly changes: readonly NotifiedChange[];
  /** True when it tells of changes without naming them (an empty payload): the gateway reads what changed since. */
  readonly unnamed: boolean;
}

/** What the request says besides its body. */
export interface NotificationHints {
  readonly method: string;
  /** `/hooks/{source}/{Type}/{id}`: the resource the request is about (HAPI sends PUT and DELETE there). */
  readonly target?: { readonly resourceType: string; readonly id: string };
  /** `X-Medplum-Deleted-Resource: Type/id`: the body is the last version of a deleted resource, or `{}`. */
  readonly deleted?: string;
}

/** A body that is no notification: answered 400, nothing recorded. */
export class NotificationError extends Error {}

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** `.../Type/id` or `.../Type/id/_history/v` at the end of a reference or URL (a query is cut off first). */
const TRAILING = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * Reads a notification body (parsed JSON, undefined when empty) in any of the forms upstreams send:
 * - no body: R4 `channel.payload` absent — something changed (unnamed), or, at `/hooks/{source}/{Type}/{id}`, that
 *   resource (DELETE: deleted);
 * - a resource: R4 `channel.payload` set (Medplum, HAPI): the resource itself; one with nothing but `resourceType`,
 *   `id` and `meta` is taken as naming the id only;
 * - a Bundle whose first entry is an R4 backport `Parameters` status or an R4B/R5 `SubscriptionStatus`: the events'
 *   focus resources (full-resource), or their ids (id-only), or nothing (empty: unnamed);
 * - any other Bundle: each entry is a change (`request.method` says which).
 */
export function parseNotification(body: unknown, hints: NotificationHints): Notification {
  if (body === undefined) {
    if (hints.target === undefined) return { status: undefined, changes: [], unnamed: true };
    const action = hints.method === 'DELETE' ? 'delete' : undefined;
    return { status: undefined, changes: [{ ...hints.target, resource: null, action }], unnamed: false };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NotificationError('the body is not a FHIR resource (a JSON object)');
  if (hints.deleted !== undefined && Object.keys(body).length === 0) return medplumDelete(hints.deleted);
  const resource = body as FhirResource;
  if (typeof resource.resourceType !== 'string') throw new NotificationError('the body has no resourceType');
  if (resource.resourceType === 'Bundle') return fromBundle(resource);
  if (!TYPE.test(resource.resourceType) || resource.resourceType === 'Parameters' || resource.resourceType === 'OperationOutcome' || resource.resourceType === 'SubscriptionStatus') {
    throw new NotificationError(`a ${String(resource.resourceType).slice(0, 64)} is not a notification: expected a changed resource or a notification Bundle`);
  }
  if (typeof resource.id !== 'string' || !isFhirId(resource.id)) throw new NotificationError(`the ${resource.resourceType} has no valid id`);
  if (hints.target !== undefined && (hints.target.resourceType !== resource.resourceType || hints.target.id !== resource.id)) {
    throw new NotificationError(`the body is ${resource.resourceType}/${resource.id}, but the URL names ${hints.target.resourceType}/${hints.target.id}`);
  }
  const deleted = hints.deleted !== undefined || hints.method === 'DELETE';
  if (hints.deleted !== undefined && hints.deleted !== `${resource.resourceType}/${resource.id}`) {
    throw new NotificationError('X-Medplum-Deleted-Resource names another resource than the body');
  }
  return {
    status: undefined,
    changes: [{
      resourceType: resource.resourceType,
      id: resource.id,
      resource: deleted || !idOnly(resource) ? resource : null,
      action: deleted ? 'delete' : undefined,
    }],
    unnamed: false,
  };
}

/** Medplum's delete notification: `{}` as the body, the resource named by `X-Medplum-Deleted-Resource: Type/id`. */
function medplumDelete(deleted: string): Notification {
  const target = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/.test(deleted) ? typeAndId(deleted) : undefined;
  if (target === undefined) throw new NotificationError('X-Medplum-Deleted-Resource is not Type/id');
  return { status: undefined, changes: [{ ...target, resource: null, action: 'delete' }], unnamed: false };
}

/** A resource with nothing but its type, id and meta names the id only. */
function idOnly(resource: FhirResource): boolean {
  return Object.keys(resource).every((k) => k === 'resourceType' || k === 'id' || k === 'meta');
}

interface Entry {
  fullUrl?: unknown;
  resource?: unknown;
  request?: { method?: unknown; url?: unknown };
}

function fromBundle(bundle: FhirResource): Notification {
  const entries = (Array.isArray(bundle['entry']) ? bundle['entry'] : []) as unknown[];
  if (entries.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) throw new NotificationError('a Bundle entry is not an object');
  const list = entries as Entry[];
  const first = list[0]?.resource as FhirResource | undefined;
  const status = first === undefined ? undefined : statusOf(first);
  if (status === undefined) {
    return { status: undefined, changes: list.flatMap((e) => changeOf(e) ?? []), unnamed: false };
  }
  const rest = list.slice(1);
  const { focus } = status;
  // The changes are the events' focus resources; other entries are additional context. A status without events'
  // focus (an older backport version) makes every other entry a change.
  const changes = focus.length === 0 ? rest.flatMap((e) => changeOf(e) ?? []) : focus.flatMap((ref) => focusChange(ref, rest) ?? []);
  const unnamed = status.info.eventNumbers.length > 0 && changes.length === 0; // empty content
  return { status: status.info, changes, unnamed };
}

interface ParsedStatus {
  readonly info: NotificationStatus;
  readonly focus: readonly string[];
}

/** The status entry: R4 backport Parameters, or an R4B/R5 SubscriptionStatus; undefined for any other resource. */
function statusOf(resource: FhirResource): ParsedStatus | undefined {
  if (resource.resourceType === 'SubscriptionStatus') {
    const events = (Array.isArray(resource['notificationEvent']) ? resource['notificationEvent'] : []) as Array<Record<string, unknown> | null>;
    const numbers: bigint[] = [];
    const focus: string[] = [];
    for (const event of events) {
      const n = number(event?.['eventNumber']);
      if (n !== undefined) numbers.push(n);
      const ref = reference(event?.['focus']);
      if (ref !== undefined) focus.push(ref);
    }
    return {
      info: {
        subscription: reference(resource['subscription']),
        type: typeof resource['type'] === 'string' ? resource['type'] : undefined,
        eventsSinceStart: number(resource['eventsSinceSubscriptionStart']),
        eventNumbers: numbers.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      },
      focus,
    };
  }
  if (resource.resourceType !== 'Parameters') return undefined;
  const params = (Array.isArray(resource['parameter']) ? resource['parameter'] : []) as Array<Record<string, unknown> | null>;
  const named = (name: string) => params.filter((p) => p?.['name'] === name) as Array<Record<string, unknown>>;
  if (named('subscription').length === 0 && named('events-since-subscription-start').length === 0) return undefined;
  const numbers: bigint[] = [];
  const focus: string[] = [];
  for (const event of named('notification-event')) {
    const parts = (Array.isArray(event['part']) ? event['part'] : []) as Array<Record<string, unknown> | null>;
    const part = (name: string) => parts.find((p) => p?.['name'] === name) ?? undefined;
    const n = number(valueOf(part('event-number')));
    if (n !== undefined) numbers.push(n);
    const ref = reference(part('focus')?.['valueReference']);
    if (ref !== undefined) focus.push(ref);
  }
  const type = valueOf(named('type')[0]);
  return {
    info: {
      subscription: reference(named('subscription')[0]?.['valueReference']),
      type: typeof type === 'string' ? type : undefined,
      eventsSinceStart: number(valueOf(named('events-since-subscription-start')[0] ?? named('events-in-notification')[0])),
      eventNumbers: numbers.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    },
    focus,
  };
}

/** The value[x] of a Parameters parameter or part. */
function valueOf(param: Record<string, unknown> | null | undefined): unknown {
  if (param == null) return undefined;
  const key = Object.keys(param).find((k) => k.startsWith('value'));
  return key === undefined ? undefined : param[key];
}

/** An event number or count: a decimal string (integer64) or a JSON integer. */
function number(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^[0-9]{1,19}$/.test(value)) return BigInt(value);
  return undefined;
}

function reference(value: unknown): string | undefined {
  const ref = (value as { reference?: unknown } | null | undefined)?.reference;
  return typeof ref === 'string' && ref !== '' ? ref : undefined;
}

/** `Type/id` at the end of a reference or URL. */
export function typeAndId(ref: string): { resourceType: string; id: string } | undefined {
  const m = TRAILING.exec(ref.split('?', 1)[0]!);
  return m === null || !isFhirId(m[2]!) ? undefined : { resourceType: m[1]!, id: m[2]! };
}

const METHOD_ACTIONS: Readonly<Record<string, ChangeAction>> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** A Bundle entry as a change: its resource, else the id its fullUrl or request.url names; undefined when neither. */
function changeOf(entry: Entry): NotifiedChange | undefined {
  const method = typeof entry.request?.method === 'string' ? entry.request.method.toUpperCase() : undefined;
  const action = method === undefined ? undefined : METHOD_ACTIONS[method];
  const resource = entry.resource as FhirResource | undefined;
  if (typeof resource === 'object' && resource !== null && typeof resource.resourceType === 'string' && typeof resource.id === 'string') {
    if (!TYPE.test(resource.resourceType) || !isFhirId(resource.id)) return undefined;
    const named = action !== 'delete' && idOnly(resource);
    return { resourceType: resource.resourceType, id: resource.id, resource: named ? null : resource, action };
  }
  const where = [entry.fullUrl, entry.request?.url].find((u): u is string => typeof u === 'string' && typeAndId(u) !== undefined);
  const target = where === undefined ? undefined : typeAndId(where);
  return target === undefined ? undefined : { ...target, resource: null, action };
}

/** The change an event's focus names: the entry that holds it (full-resource, or id-only), else its id alone. */
function focusChange(ref: string, entries: readonly Entry[]): NotifiedChange | undefined {
  const target = typeAndId(ref);
  if (target === undefined) return undefined;
  const entry = entries.find((e) => e.fullUrl === ref)
    ?? entries.find((e) => {
      const r = e.resource as FhirResource | undefined;
      if (r?.resourceType === target.resourceType && r.id === target.id) return true;
      const url = [e.fullUrl, e.request?.url].find((u): u is string => typeof u === 'string');
      const named = url === undefined ? undefined : typeAndId(url);
      return named?.resourceType === target.resourceType && named.id === target.id;
    });
  const change = entry === undefined ? undefined : changeOf(entry);
  return change?.resourceType === target.resourceType && change.id === target.id ? change : { ...target, resource: null, action: undefined };
}
