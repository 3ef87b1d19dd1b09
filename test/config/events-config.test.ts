// `events` (the change log's retention and poll, the Redis bus between replicas: config file, REDIS_URL, --redis-url).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load-config.ts';
import { usage } from '../../src/config/load-config.ts';
import { BOUNDS, DEFAULT_EVENTS } from '../../src/config/defaults.ts';
import { FILE_KEYS } from '../../src/config/validate-file.ts';
import { load, problemsOf } from './helpers.ts';

const PASSWORD = 'R3dis-Pa55word';
const REDIS = `redis://:${PASSWORD}@cache.example:6380/2`;

type Env = Readonly<Record<string, string | undefined>>;
const fromFile = (file: Record<string, unknown>, argv: readonly string[] = [], env: Env = {}): Config =>
  load(['-c', 'gw.json', ...argv], env, { '/work/gw.json': file });
const problemsFromFile = (file: Record<string, unknown>, argv: readonly string[] = [], env: Env = {}) =>
  problemsOf(() => fromFile(file, argv, env));

describe('events: defaults and precedence', () => {
  it('defaults: a week of events, the poll each second, no Redis', () => {
    expect(load().events).toEqual({ retentionDays: 7, pollMs: 1000, redisUrl: null, redisChannel: 'fhir-gateway:changes' });
    expect(Object.isFrozen(load().events)).toBe(true);
  });

  it('the file sets every key; REDIS_URL and --redis-url override its redisUrl', () => {
    const file = { events: { retentionDays: 30, pollMs: 250, redisUrl: 'redis://file:6379', redisChannel: 'ward-a:changes' } };
    expect(fromFile(file).events).toEqual({ retentionDays: 30, pollMs: 250, redisUrl: 'redis://file:6379', redisChannel: 'ward-a:changes' });
    expect(fromFile(file, [], { REDIS_URL: REDIS }).events.redisUrl).toBe(REDIS);
    expect(fromFile(file, ['--redis-url', 'rediss://cli:6379'], { REDIS_URL: REDIS }).events.redisUrl).toBe('rediss://cli:6379');
    expect(load([], { REDIS_URL: '' }).events.redisUrl).toBeNull(); // empty counts as unset
    expect(fromFile({ events: {} }).events).toEqual(DEFAULT_EVENTS);
  });
});

describe('events: problems', () => {
  it('every problem at once, and never the password of a Redis URL', () => {
    const problems = problemsFromFile(
      { events: { retentionDays: 0, pollMs: 10, redisUrl: 'http://cache:6379', redisChannel: 'has space', keep: true } },
      ['--redis-url', `redis://:${PASSWORD}@cache.example:6379/db`],
      { REDIS_URL: 'not a url' },
    );
    expect(problems).toEqual([
      'config file gw.json: events.keep: unknown key (expected one of: retentionDays, pollMs, redisUrl, redisChannel)',
      'config file gw.json: events.retentionDays: must be an integer between 1 and 3650 (got 0)',
      'config file gw.json: events.pollMs: must be an integer between 50 and 600000 (got 10)',
      'config file gw.json: events.redisUrl: has the unsupported scheme "http:": expected redis://[user:password@]host[:port][/db] or rediss://… (TLS)',
      'config file gw.json: events.redisChannel: must be a channel name of 1 to 200 visible ASCII characters, without spaces (got "has space")',
      'REDIS_URL: is not a valid URL: expected redis://[user:password@]host[:port][/db] or rediss://… (TLS)',
      '--redis-url: must name a database by its number after the host (/0 … /99), or none',
    ]);
    expect(problems.join('\n')).not.toContain(PASSWORD);
  });

  it('events must be an object; --redis-url needs its value', () => {
    expect(problemsFromFile({ events: 7 })).toEqual(['config file gw.json: events: must be an object (got a number)']);
    expect(problemsOf(() => load(['--redis-url']))).toEqual(['--redis-url: missing value (expected --redis-url URL)']);
  });
});

describe('events: documented', () => {
  it('in --help', () => {
    expect(usage).toMatch(/--redis-url URL +Redis/);
    expect(usage).toMatch(/REDIS_URL +Same as --redis-url/);
  });

  it('in the JSON Schema, with the code\'s keys, ranges and defaults', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const schema = JSON.parse(readFileSync(`${root}schema/gateway-config.schema.json`, 'utf8')) as {
      properties: Record<string, { $ref?: string }>;
      $defs: { events: { properties: Record<string, { minimum?: number; maximum?: number; default?: unknown; pattern?: string }> } };
    };
    expect(schema.properties.events?.$ref).toBe('#/$defs/events');
    const events = schema.$defs.events.properties;
    expect(Object.keys(events).sort()).toEqual([...FILE_KEYS.events].sort());
    for (const key of ['retentionDays', 'pollMs'] as const) {
      expect({ min: events[key]?.minimum, max: events[key]?.maximum, default: events[key]?.default }).toEqual({ ...BOUNDS.events[key], default: DEFAULT_EVENTS[key] });
    }
    expect(events.redisChannel?.default).toBe(DEFAULT_EVENTS.redisChannel);
    const pattern = new RegExp(events.redisUrl!.pattern!);
    for (const url of ['redis://127.0.0.1:6379', REDIS, 'rediss://cache.example']) expect(pattern.test(url), url).toBe(true);
    for (const url of ['http://cache:6379', 'redis:// spaced']) expect(pattern.test(url), url).toBe(false);
  });

  it("in README's 'Event log and replicas', with an example that loads as it is", () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('### Event log and replicas'));
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!) as Record<string, unknown>;
    expect(fromFile(example).events).toEqual({ retentionDays: 7, pollMs: 1000, redisUrl: 'redis://cache.internal:6379', redisChannel: 'ward-a:changes' });
    for (const key of FILE_KEYS.events) expect(section).toContain(key);
  });
});
