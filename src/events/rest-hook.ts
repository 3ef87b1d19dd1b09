import type { HookAuthConfig } from '../config/config.types.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { CaptureState } from './capture-state.ts';
import { HookAuthenticator, type HookAuthResult } from './hook-auth.ts';
import type { HookReplayStore } from './hook-replay-store.ts';
import { NotificationError, parseNotification, typeAndId, type Notification, type NotificationStatus } from './notification.ts';
import type { CaptureLog, SourceCapture } from './source-capture.ts';

/** A notification as the route received it. */
export interface HookDelivery {
  readonly method: string;
  /** `/hooks/{source}/{Type}/{id}`: the resource the request names. */
  readonly target?: { readonly resourceType: string; readonly id: string };
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** The body nests deeper than limits.maxJsonDepth (checked by the route without parsing). */
  readonly tooDeep: boolean;
}

/** What the route answers: 200 handled, 400 not a notification, 401 not authenticated, 503 not handled (send it again). */
export interface HookAnswer {
  readonly status: 200 | 400 | 401 | 503;
  readonly message: string;
}

export interface RestHookOptions {
  readonly capture: SourceCapture;
  readonly auth: HookAuthConfig;
  /** The types read back after a notification without content, or a gap (besides those already watched). */
  readonly types: readonly string[];
  /** Whether the source declares the backport `$events` operation (set from its CapabilityStatement). */
  readonly eventsOperation: () => boolean;
  readonly state: CaptureState;
  /** The signed notifications accepted lately, shared by every gateway process on the database. */
  readonly replays: HookReplayStore;
  readonly log: CaptureLog;
}

/** The last event number of a Subscription the gateway handled. */
interface EventPosition {
  readonly last: string;
}

/**
 * The rest-hook endpoint of one source (`POST /hooks/{id}`): authenticates each notification (channel header or HMAC,
 * hook-auth.ts), reads it (notification.ts), and records what it tells of through the source's capture — the
 * resources it carries, the ones it names read from the source, and, for a notification without content, what
 * changed since the watermarks. Topic-based notifications are numbered: a number the gateway has not seen between
 * the last one handled and this one is a gap, caught up with the source's `$events` operation when it declares it,
 * else with `_lastUpdated` searches, before this notification is recorded. Answered once committed to the change log.
 */
export class RestHook {
  readonly #options: RestHookOptions;
  readonly #auth: HookAuthenticator;

  constructor(options: RestHookOptions) {
    this.#options = options;
    this.#auth = new HookAuthenticator(options.capture.sourceId, options.auth, options.replays);
  }

  async receive(delivery: HookDelivery): Promise<HookAnswer> {
    const { capture, log } = this.#options;
    let auth: HookAuthResult;
    try {
      auth = await this.#auth.check(delivery.headers, delivery.body);
    } catch (error) {
      log('error', `change capture: a notification to /hooks/${capture.sourceId} could not be checked against the replay store: ${(error as Error).message}`);
      return { status: 503, message: 'The notification could not be checked now; send it again' };
    }
    if (!auth.ok) {
      log('warn', `change capture: a notification to /hooks/${capture.sourceId} was refused: ${auth.reason}`);
      return { status: 401, message: `Not authenticated: ${auth.reason}` };
    }
    let notification: Notification;
    try {
      notification = parseNotification(this.#json(delivery), {
        method: delivery.method,
        ...(delivery.target !== undefined && { target: delivery.target }),
        ...(delivery.headers.get('x-medplum-deleted-resource') !== null && { deleted: delivery.headers.get('x-medplum-deleted-resource')! }),
      });
    } catch (error) {
      if (!(error instanceof NotificationError)) throw error;
      await this.#release(auth.release);
      return { status: 400, message: `Not a FHIR notification: ${error.message}` };
    }
    try {
      if (auth.via === 'medplum') notification = await this.#confirmDeletes(notification);
      const recorded = await capture.exclusive(() => this.#handle(notification));
      return { status: 200, message: `${recorded} change(s) recorded` };
    } catch (error) {
      await this.#release(auth.release); // the source may send it again
      log('error', `change capture: a notification from source '${capture.sourceId}' could not be handled: ${(error as Error).message}`);
      return { status: 503, message: 'The notification could not be handled now; send it again' };
    }
  }

  /**
   * The deletes of a notification signed by Medplum's X-Signature that the source confirms (it no longer has the
   * resource). Medplum signs a delete's body, `{}`, not the header naming the resource, so one captured delete
   * notification would otherwise let its holder announce the delete of any resource.
   */
  async #confirmDeletes(notification: Notification): Promise<Notification> {
    const { capture, log } = this.#options;
    const changes = [];
    for (const change of notification.changes) {
      if (change.action === 'delete' && (await capture.exists(change.resourceType, change.id))) {
        log('warn', `change capture: source '${capture.sourceId}' still has ${change.resourceType}/${change.id}, which a signed notification said was deleted: not recorded`);
        continue;
      }
      changes.push(change);
    }
    return { ...notification, changes };
  }

  /** Forgets an accepted signature; a failure only means the source's retry is refused as a replay (logged). */
  async #release(release: () => Promise<void>): Promise<void> {
    try {
      await release();
    } catch (error) {
      this.#options.log('warn', `change capture: the replay store of source '${this.#options.capture.sourceId}' could not forget a notification it refused: ${(error as Error).message}`);
    }
  }

  #json(delivery: HookDelivery): unknown {
    if (delivery.tooDeep) throw new NotificationError(`the JSON nests deeper than limits.maxJsonDepth allows`);
    const text = Buffer.from(delivery.body).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new NotificationError(`the body is not valid JSON (${(error as Error).message.slice(0, 120)})`);
    }
  }

  async #handle(notification: Notification): Promise<number> {
    const { capture } = this.#options;
    const status = notification.status;
    const stream = status === undefined ? undefined : `subscription:${status.subscription ?? '(unnamed)'}`;
    const last = stream === undefined ? undefined : await this.#lastEvent(stream);
    let recorded = 0;
    const gap = status === undefined ? undefined : gapOf(status, last);
    if (gap !== undefined) {
      this.#options.log('warn', `change capture: source '${capture.sourceId}' skipped event(s) ${gap.from}..${gap.to} of ${status!.subscription ?? 'its Subscription'}; catching up`);
      recorded += await this.#catchUpEvents(status!, gap);
    }
    recorded += await capture.apply(notification.changes);
    if (notification.unnamed) recorded += await this.#catchUpTypes();
    const upTo = status?.eventNumbers.at(-1) ?? status?.eventsSinceStart;
    if (stream !== undefined && upTo !== undefined && (last === undefined || upTo > last)) {
      await this.#options.state.put(capture.sourceId, stream, { last: upTo.toString() } satisfies EventPosition);
    }
    return recorded;
  }

  async #lastEvent(stream: string): Promise<bigint | undefined> {
    const position = await this.#options.state.get<EventPosition>(this.#options.capture.sourceId, stream);
    return typeof position?.last === 'string' && /^[0-9]{1,19}$/.test(position.last) ? BigInt(position.last) : undefined;
  }

  /** The events of a gap: from the source's `$events` operation when it declares it, else by `_lastUpdated` searches. */
  async #catchUpEvents(status: NotificationStatus, gap: Gap): Promise<number> {
    const subscription = status.subscription === undefined ? undefined : typeAndId(status.subscription);
    if (this.#options.eventsOperation() && subscription?.resourceType === 'Subscription') {
      try {
        const path = `Subscription/${encodeURIComponent(subscription.id)}/$events?eventsSinceNumber=${gap.from}&eventsUntilNumber=${gap.to}&content=full-resource`;
        const answer = await this.#options.capture.client.exchange({ method: 'GET', path }, { signal: this.#options.capture.signal });
        const events = parseNotification(answer.body as FhirResource | undefined, { method: 'GET' });
        const recorded = await this.#options.capture.apply(events.changes);
        return events.unnamed ? recorded + (await this.#catchUpTypes()) : recorded;
      } catch (error) {
        this.#options.log('warn', `change capture: $events of source '${this.#options.capture.sourceId}' failed (${(error as Error).message}); searching by _lastUpdated instead`);
      }
    }
    return this.#catchUpTypes();
  }

  async #catchUpTypes(): Promise<number> {
    const { capture, types } = this.#options;
    const watched = [...new Set([...types, ...(await capture.watchedTypes())])];
    if (watched.length === 0) {
      this.#options.log('warn', `change capture: source '${capture.sourceId}' sent a notification without content, and no types are watched (changes.types): nothing to read`);
    }
    let recorded = 0;
    for (const type of watched) recorded += await capture.catchUp(type);
    return recorded;
  }
}

interface Gap {
  readonly from: bigint;
  readonly to: bigint;
}

/** The event numbers between the last one handled and this notification's first (or its count, when it carries none). */
function gapOf(status: NotificationStatus, last: bigint | undefined): Gap | undefined {
  if (last === undefined || status.type === 'handshake') return undefined;
  const first = status.eventNumbers[0];
  const to = first !== undefined ? first - 1n : status.eventsSinceStart;
  return to !== undefined && to > last ? { from: last + 1n, to } : undefined;
}
