// R4 rest-hook Subscriptions for the in-memory FHIR server (memory-fhir-server.ts): Medplum's MemoryRepository stores
// Subscription resources but delivers nothing (delivery is its server's job, which the router does not include). This
// adds the small honest part: after a write that the server answered with success, every active rest-hook Subscription
// whose criteria match the resource (Medplum's own search matching) is notified — a POST to channel.endpoint with
// the channel.header lines, the resource as the body when channel.payload is set (with Medplum's
// `X-Medplum-Deleted-Resource` header for a delete), else an empty body. One delivery at a time per Subscription, in
// write order, one attempt each (recorded for tests). A Subscription created as `requested` is made `active`, as a
// server does once it accepted it. Writes inside batches and transactions, and handshakes, are not covered.
import { matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import type { MemoryRepository } from '@medplum/fhir-router';
import type { Resource, Subscription } from '@medplum/fhirtypes';

export interface DeliveredNotification {
  /** `Subscription/{id}`. */
  readonly subscription: string;
  readonly endpoint: string;
  /** `Type/id` of the resource written. */
  readonly resource: string;
  readonly action: 'create' | 'update' | 'delete';
  readonly payload: boolean;
  /** The endpoint's answer, or why it gave none. */
  status?: number;
  error?: string;
}

export interface SubscriptionDelivery {
  /** Before a write is routed: a DELETE's resource as it is before it goes. */
  before(method: string, pathname: string): Promise<Resource | undefined>;
  /** After it was answered with `status`: the notifications it makes, queued. */
  after(method: string, pathname: string, status: number, written: Resource | undefined, before: Resource | undefined): Promise<void>;
  /** Every notification sent so far, in order (tests). */
  readonly delivered: DeliveredNotification[];
  /** Resolves when every queued notification was sent (or failed). */
  idle(): Promise<void>;
}

const INSTANCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const TYPE = /^([A-Z][A-Za-z]+)$/;

export function subscriptionDelivery(repo: MemoryRepository): SubscriptionDelivery {
  const delivered: DeliveredNotification[] = [];
  const queues = new Map<string, Promise<void>>();

  const actionOf = (method: string, pathname: string, status: number): DeliveredNotification['action'] | undefined => {
    if (status >= 300) return undefined;
    if (method === 'DELETE') return INSTANCE.test(pathname) ? 'delete' : undefined;
    if (method === 'POST') return TYPE.test(pathname) && status === 201 ? 'create' : undefined; // 200: a conditional create found it
    if (method === 'PUT' || method === 'PATCH') return status === 201 ? 'create' : 'update';
    return undefined;
  };

  const send = async (subscription: Subscription, resource: Resource, action: DeliveredNotification['action']) => {
    const channel = subscription.channel;
    const record: DeliveredNotification = {
      subscription: `Subscription/${subscription.id}`,
      endpoint: channel.endpoint ?? '',
      resource: `${resource.resourceType}/${resource.id}`,
      action,
      payload: channel.payload !== undefined,
    };
    delivered.push(record);
    const headers: Record<string, string> = {};
    for (const line of channel.header ?? []) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    if (channel.payload !== undefined) headers['content-type'] = channel.payload;
    if (action === 'delete' && channel.payload !== undefined) headers['x-medplum-deleted-resource'] = `${resource.resourceType}/${resource.id}`;
    try {
      const res = await fetch(record.endpoint, { method: 'POST', headers, ...(channel.payload !== undefined && { body: JSON.stringify(resource) }) });
      record.status = res.status;
      await res.arrayBuffer();
    } catch (error) {
      record.error = (error as Error).message;
    }
  };

  return {
    delivered,
    async before(method, pathname) {
      const m = method === 'DELETE' ? INSTANCE.exec(pathname) : null;
      if (m === null) return undefined;
      try {
        return await repo.readResource(m[1]!, m[2]!);
      } catch {
        return undefined;
      }
    },
    async after(method, pathname, status, written, before) {
      const action = actionOf(method, pathname, status);
      const resource = action === 'delete' ? before : written;
      if (action === undefined || resource === undefined) return;
      if (resource.resourceType === 'Subscription') {
        const s = resource as Subscription;
        if (action !== 'delete' && s.status === 'requested' && s.channel?.type === 'rest-hook') await repo.updateResource({ ...s, status: 'active' });
        return;
      }
      const active = await repo.searchResources<Subscription>(parseSearchRequest('Subscription?status=active'));
      for (const subscription of active) {
        if (subscription.channel?.type !== 'rest-hook' || !subscription.channel.endpoint || !subscription.criteria) continue;
        let matches: boolean;
        try {
          const request = parseSearchRequest(subscription.criteria);
          matches = request.resourceType === resource.resourceType && matchesSearchRequest(resource, request);
        } catch {
          matches = false;
        }
        if (!matches) continue;
        const key = subscription.id!;
        const next = (queues.get(key) ?? Promise.resolve()).then(() => send(subscription, resource, action));
        queues.set(key, next);
      }
    },
    async idle() {
      await Promise.all(queues.values());
    },
  };
}
