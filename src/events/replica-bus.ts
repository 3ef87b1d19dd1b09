/**
 * Which bus tells the gateway processes sharing one change log of each other's events: Redis pub/sub when a Redis URL
 * is configured, else PostgreSQL LISTEN/NOTIFY when the log is in PostgreSQL, else none (one process; processes
 * sharing a SQLite file see each other's events by the feed's poll).
 */
import { parseDatabaseUrl } from '../db/database-url.ts';
import type { ChangeBus } from './change-bus.ts';
import { pgNotifyBus } from './pg-notify-bus.ts';

export interface ReplicaBusSettings {
  /** The storage URL: where the change log is. */
  readonly storageUrl: string;
  readonly redisUrl: string | null;
  readonly redisChannel: string;
}

export async function replicaBus(settings: ReplicaBusSettings, log: (level: 'info' | 'warn', message: string) => void): Promise<ChangeBus | undefined> {
  const bus = await choose(settings, log);
  if (bus !== undefined) log('info', `live updates: gateway processes on this change log tell each other of new events by ${bus.description}`);
  return bus;
}

async function choose(settings: ReplicaBusSettings, log: (level: 'info' | 'warn', message: string) => void): Promise<ChangeBus | undefined> {
  if (settings.redisUrl !== null) {
    const { redisBus } = await import('./redis-bus.ts'); // ioredis is loaded only when configured
    return redisBus(settings.redisUrl, { channel: settings.redisChannel, log });
  }
  let dialect;
  try {
    dialect = parseDatabaseUrl(settings.storageUrl).dialect;
  } catch {
    return undefined; // opening the database reports it
  }
  return dialect === 'postgres' ? pgNotifyBus(settings.storageUrl, { log }) : undefined;
}
