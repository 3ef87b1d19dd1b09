/**
 * The bus between replicas over Redis pub/sub (`--redis-url` / REDIS_URL): after a commit, PUBLISH the new head on the
 * deployment's channel; each gateway SUBSCRIBEs on a connection of its own (a subscribed Redis connection can do
 * nothing else). ioredis reconnects with backoff and subscribes again; every (re)connection makes the feed look at
 * the log, since what was published meanwhile is lost. Redis only says "look": the log in the database is the truth.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { busMessage, fromAnother, type ChangeBus } from './change-bus.ts';

export interface RedisBusOptions {
  /** The pub/sub channel the deployment's replicas share. */
  readonly channel: string;
  /** Where to tell of the connection's loss and return (never with the password). */
  readonly log?: (level: 'info' | 'warn', message: string) => void;
  /** Longest wait between reconnects (default 5,000 ms). */
  readonly maxReconnectMs?: number;
}

/** The URL for messages: scheme, host and port only. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'redis';
  }
}

export function redisBus(url: string, options: RedisBusOptions): ChangeBus & { readonly connected: boolean } {
  const log = options.log ?? (() => undefined);
  const { channel } = options;
  const instance = randomUUID();
  const shown = where(url);
  const common: RedisOptions = {
    lazyConnect: true,
    connectionName: `fhir-graphql-gateway-changes-${instance.slice(0, 8)}`,
    retryStrategy: (times) => Math.min(times * 100, options.maxReconnectMs ?? 5_000),
    // a command never waits for a reconnect: an announcement that cannot go now is covered by the others' polls
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  };
  // The subscriber's SUBSCRIBE is sent again by ioredis on every reconnect, so it may queue while offline.
  const subscriber = new Redis(url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true });
  const publisher = new Redis(url, common);
  let news: () => void = () => undefined;
  let lostSince: number | undefined;
  let closed = false;

  subscriber.on('message', (from: string, message: string) => {
    if (from === channel && fromAnother(instance, message)) news();
  });
  const lost = (error?: Error) => {
    if (closed || lostSince !== undefined) return;
    lostSince = Date.now();
    log('warn', `live updates: the Redis connection to ${shown} was lost${error === undefined ? '' : ` (${error.message})`}; reconnecting (other replicas' events arrive by the poll meanwhile)`);
  };
  subscriber.on('error', (error: Error) => lost(error));
  subscriber.on('close', () => lost());
  subscriber.on('ready', () => {
    // ioredis subscribes again right after 'ready': the feed looks now, for what was published meanwhile.
    if (lostSince !== undefined) log('info', `live updates: connected to Redis at ${shown} again after ${Date.now() - lostSince} ms`);
    lostSince = undefined;
    news();
  });
  publisher.on('error', () => undefined); // reported by the subscriber, which shares its fate

  return {
    description: `Redis pub/sub on ${shown}, channel ${channel}`,
    get connected() {
      return subscriber.status === 'ready' && lostSince === undefined;
    },
    listen(onNews) {
      news = onNews;
      subscriber.subscribe(channel).then(() => news(), (error: Error) => lost(error));
      publisher.connect().catch(() => undefined); // retried by ioredis
    },
    announce(head) {
      if (publisher.status !== 'ready') return;
      publisher.publish(channel, busMessage(instance, head)).catch(() => undefined);
    },
    async close() {
      closed = true;
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
