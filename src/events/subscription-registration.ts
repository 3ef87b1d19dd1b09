import type { SubscriptionCaptureConfig } from '../config/config.types.ts';
import type { FhirClient } from '../sources/fhir-client.ts';
import type { FhirResource } from '../sources/fhir-types.ts';

/** `Subscription.reason` of the Subscriptions the gateway registers (it finds its own by endpoint). */
export const SUBSCRIPTION_REASON = 'FHIR GraphQL gateway: change capture for live updates';

/** What a source's CapabilityStatement says of Subscriptions. */
export interface SubscriptionSupport {
  /** It serves the Subscription resource type (and, when it lists interactions, create). */
  readonly subscriptions: boolean;
  /** It declares the backport `$events` operation (a Subscription's past notifications by number). */
  readonly eventsOperation: boolean;
}

interface StatementResource {
  type?: unknown;
  interaction?: Array<{ code?: unknown } | null>;
  operation?: Array<{ name?: unknown; definition?: unknown } | null>;
}

export function subscriptionSupport(statement: Record<string, unknown>): SubscriptionSupport {
  const rest = (Array.isArray(statement['rest']) ? statement['rest'] : []) as Array<{ mode?: unknown; resource?: unknown; operation?: unknown } | null>;
  const server = rest.find((r) => r?.mode === undefined || r?.mode === 'server');
  const resources = (Array.isArray(server?.resource) ? server.resource : []) as Array<StatementResource | null>;
  const subscription = resources.find((r) => r?.type === 'Subscription');
  const interactions = (subscription?.interaction ?? []).map((i) => i?.code);
  const operations = [...(subscription?.operation ?? []), ...((Array.isArray(server?.operation) ? server.operation : []) as StatementResource['operation'] & object)];
  return {
    subscriptions: subscription != null && (interactions.length === 0 || interactions.includes('create')),
    eventsOperation: operations.some((o) => o?.name === 'events' || (typeof o?.definition === 'string' && /subscription-events$/i.test(o.definition))),
  };
}

/** The R4 Subscription the gateway wants on the source for one criteria. */
export function wantedSubscription(config: SubscriptionCaptureConfig, criteria: string, endpoint: string): FhirResource {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: SUBSCRIPTION_REASON,
    criteria,
    channel: {
      type: 'rest-hook',
      endpoint,
      ...(config.payload === 'full-resource' ? { payload: 'application/fhir+json' } : {}),
      header: [`${config.header}: ${config.secret}`],
    },
  };
}

/** Whether an existing Subscription is the one wanted, and still on. */
function isWanted(existing: FhirResource, wanted: FhirResource): boolean {
  const channel = existing['channel'] as { type?: unknown; endpoint?: unknown; payload?: unknown; header?: unknown } | undefined;
  const want = wanted['channel'] as { endpoint: string; payload?: string; header: string[] };
  const headers = Array.isArray(channel?.header) ? channel.header.map((h) => (typeof h === 'string' ? normaliseHeader(h) : '')) : [];
  return (existing['status'] === 'active' || existing['status'] === 'requested')
    && existing['criteria'] === wanted['criteria']
    && channel?.type === 'rest-hook'
    && channel.endpoint === want.endpoint
    && (channel.payload ?? undefined) === want.payload
    && want.header.every((h) => headers.includes(normaliseHeader(h)));
}

/** `Name: value` with the name lower-cased and the space after the colon normalised. */
function normaliseHeader(line: string): string {
  const colon = line.indexOf(':');
  return colon < 0 ? line : `${line.slice(0, colon).trim().toLowerCase()}: ${line.slice(colon + 1).trim()}`;
}

export interface Registration {
  readonly kept: number;
  readonly created: number;
  readonly removed: number;
}

/**
 * Makes the source hold exactly the gateway's Subscriptions for `endpoint`: one active (or requested) R4 rest-hook
 * Subscription per criteria, with the channel header that authenticates it; a missing one (first start, the source lost
 * it, turned it off or errored it) is created, and the gateway's others for this endpoint (old criteria, an old
 * secret) are deleted. Idempotent: run at start and at every capability refresh.
 */
export async function registerSubscriptions(
  client: FhirClient, config: SubscriptionCaptureConfig, endpoint: string, signal?: AbortSignal,
): Promise<Registration> {
  const opts = signal ? { signal } : {};
  const existing = (await client.searchAll('Subscription', [['url', endpoint]], opts))
    .filter((s) => (s['channel'] as { endpoint?: unknown } | undefined)?.endpoint === endpoint);
  let kept = 0;
  let created = 0;
  const keep = new Set<FhirResource>();
  for (const criteria of config.criteria) {
    const wanted = wantedSubscription(config, criteria, endpoint);
    const found = existing.find((s) => !keep.has(s) && isWanted(s, wanted));
    if (found !== undefined) {
      keep.add(found);
      kept++;
    } else {
      await client.create('Subscription', wanted, opts);
      created++;
    }
  }
  let removed = 0;
  for (const stale of existing) {
    if (keep.has(stale) || stale['reason'] !== SUBSCRIPTION_REASON || typeof stale.id !== 'string') continue;
    await client.delete('Subscription', stale.id, opts);
    removed++;
  }
  return { kept, created, removed };
}
