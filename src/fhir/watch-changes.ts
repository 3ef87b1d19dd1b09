import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { tagResource } from '../sources/resource-origin.ts';
import type { SearchQuery } from '../sources/search-query.ts';
import type { ChangeEvent } from './change-event.ts';
import type { FhirContext } from './fhir-context.ts';
import { accessTo } from './restriction.ts';
import { authorizationKey } from './viewer.ts';
import { searchMatcher, type SearchMatcher } from './search-match.ts';

export interface WatchRequest {
  readonly resourceType: string;
  /** FHIR search parameters, evaluated on each changed resource. */
  readonly filters: SearchQuery;
  /** Only changes in this source. */
  readonly sourceId?: string | null;
  /** Resume after this event number (exclusive). */
  readonly since?: string | null;
}

/**
 * A subscription's events, as THE core decides them for its viewer: everything is checked before the first event —
 * the type granted for search (the same decision as `XList`), every filter one the gateway can evaluate on a resource,
 * `_since` a decimal event number — and then each event is delivered only when the viewer may see the changed
 * resource (scopes, granular filters, patient compartment, exactly as a read would decide) and it matches the filters.
 * A delete is decided on the resource's last known version; one the log does not know is delivered only to viewers
 * who see every resource of the type and set no filter.
 */
export async function watchChanges(ctx: FhirContext, request: WatchRequest): Promise<AsyncIterable<ChangeEvent>> {
  const { resourceType, filters } = request;
  const feed = ctx.changes;
  if (feed === undefined) throw new GatewayError('NOT_IMPLEMENTED', 'This gateway runs without a change feed');
  const restriction = await accessTo(ctx, resourceType, 's');
  const matchers: SearchMatcher[] = filters.map(([name, value]) => {
    const matcher = searchMatcher(resourceType, name, value, ctx.searchParams);
    if (matcher === undefined) {
      throw new GatewayError(
        'BAD_USER_INPUT',
        `The gateway cannot evaluate '${shown(name)}=${shown(value)}' on a changed ${resourceType} (token, reference, string, uri and date parameters, _id and _lastUpdated are evaluated; no chains or modifiers other than :not, :exact, :contains)`,
      );
    }
    return matcher;
  });
  if (request.sourceId != null && ctx.sources.get(request.sourceId) === undefined) {
    throw new GatewayError('UNKNOWN_SOURCE', `Unknown source '${shown(request.sourceId)}'`);
  }
  const since = request.since == null ? undefined : eventNumber(request.since);
  const stop = new AbortController();
  const source = (await feed.follow(resourceType, since, stop.signal))[Symbol.asyncIterator]();
  const sourceId = request.sourceId ?? undefined;
  const authorization = authorizationKey(ctx.viewer);
  const decide = (event: ChangeEvent): ChangeEvent | undefined => {
    if (sourceId !== undefined && event.sourceId !== sourceId) return undefined;
    const decisive = event.resource ?? event.previous;
    if (decisive === null) return restriction.all && matchers.length === 0 ? event : undefined;
    const subject = tagResource({ ...decisive } as FhirResource, event.sourceId);
    if (!restriction.visible(subject, event.sourceId) || !matchers.every((m) => m(subject))) return undefined;
    // Each event is resolved afresh (nothing the previous event loaded is reused: it may have changed since), through
    // loaders shared with the event's other subscribers who are allowed the same.
    ctx.renew(event, authorization);
    if (event.resource === null) return event;
    const resource = tagResource({ ...event.resource } as FhirResource, event.sourceId);
    ctx.loaders.prime(event.sourceId, [resource]);
    ctx.trail.record('R', [resource], event.sourceId);
    return { ...event, resource };
  };
  // A hand-made iterator rather than an async generator: when the client stops, return() must end a next() that is
  // still waiting for an event at once (a generator would only see it after the next event).
  const iterator: AsyncIterableIterator<ChangeEvent> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done === true) return { done: true, value: undefined };
        const delivered = decide(r.value);
        if (delivered !== undefined) return { done: false, value: delivered };
      }
    },
    async return() {
      stop.abort();
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

function eventNumber(value: string): bigint {
  if (!/^\d{1,19}$/.test(value)) throw new GatewayError('BAD_USER_INPUT', `_since must be an eventNumber of an earlier event (a decimal number), not '${shown(value)}'`);
  return BigInt(value);
}
