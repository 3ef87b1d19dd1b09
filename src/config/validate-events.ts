/**
 * `events` (the change log of live updates: retention, the poll, and the Redis bus between replicas; REDIS_URL and
 * --redis-url override the file's redisUrl). A Redis URL may hold a password: no message here quotes the URL.
 */
import type { EventsConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { PathReport } from './json-path.ts';
import { checkInt, got, quote, typeName } from './checks.ts';
import { BOUNDS } from './defaults.ts';
import { at, checkKeys, checkObject, joinPath } from './json-path.ts';

export const EVENTS_KEYS = ['retentionDays', 'pollMs', 'redisUrl', 'redisChannel'] as const satisfies readonly (keyof EventsConfig)[];

const REDIS_FORMS = 'redis://[user:password@]host[:port][/db] or rediss://… (TLS)';
/** A pub/sub channel name: visible ASCII, no spaces. */
const CHANNEL = /^[\x21-\x7e]{1,200}$/;

/** A Redis URL (returned as given). */
export function checkRedisUrl(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || value === '') {
    report(`must be a Redis URL: ${REDIS_FORMS} (${typeof value === 'string' ? 'got an empty string' : `got ${typeName(value)}`})`);
    return undefined;
  }
  if (value.trim() !== value || /[\0-\x1f\x7f]/.test(value)) {
    report('must not contain white space at its ends or control characters');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    report(`is not a valid URL: expected ${REDIS_FORMS}`);
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    report(`has the unsupported scheme ${quote(url.protocol, 20)}: expected ${REDIS_FORMS}`);
    return undefined;
  }
  if (url.hostname === '') {
    report(`names no host: expected ${REDIS_FORMS}`);
    return undefined;
  }
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
    report(`must name a database by its number after the host (/0 … /99), or none`);
    return undefined;
  }
  return value;
}

/** The file's `events` section: its checked keys. */
export function readFileEvents(value: unknown, path: string, report: PathReport): Partial<EventsConfig> {
  if (!checkObject(value, path, report)) return {};
  checkKeys(value, EVENTS_KEYS, path, report);
  const key = (k: string): Report => at(report, joinPath(path, k));
  const out: { -readonly [K in keyof EventsConfig]?: EventsConfig[K] } = {};
  if (value.retentionDays !== undefined) out.retentionDays = checkInt(value.retentionDays, BOUNDS.events.retentionDays, key('retentionDays'));
  if (value.pollMs !== undefined) out.pollMs = checkInt(value.pollMs, BOUNDS.events.pollMs, key('pollMs'));
  if (value.redisUrl !== undefined) out.redisUrl = checkRedisUrl(value.redisUrl, key('redisUrl'));
  if (value.redisChannel !== undefined) {
    if (typeof value.redisChannel === 'string' && CHANNEL.test(value.redisChannel)) out.redisChannel = value.redisChannel;
    else key('redisChannel')(`must be a channel name of 1 to 200 visible ASCII characters, without spaces (${got(value.redisChannel)})`);
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<EventsConfig>;
}
