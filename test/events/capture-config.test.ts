// A source's `changes` (change capture) in the config file: defaults, each mode's keys, every problem named at once
// with its path (never the secret), and the JSON Schema describing the same keys and defaults.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load-config.ts';
import { BOUNDS, CHANGE_MODES, DEFAULT_CHANGES_OPTIONS } from '../../src/config/defaults.ts';
import { FILE_KEYS } from '../../src/config/validate-file.ts';
import { load, problemsOf } from '../config/helpers.ts';

const SECRET = 'a-hook-secret-of-24-chars';
const source = (changes: unknown) => ({ id: 'hapi', baseUrl: 'https://hapi.example/fhir', ...(changes === undefined ? {} : { changes }) });
const fromFile = (file: Record<string, unknown>, env: Record<string, string> = {}, argv: string[] = []): Config =>
  load(['-c', 'gw.json', ...argv], env, { '/work/gw.json': file });
const problems = (file: Record<string, unknown>, env: Record<string, string> = {}) => problemsOf(() => fromFile(file, env));
const changesOf = (changes: unknown, env: Record<string, string> = {}, top: Record<string, unknown> = {}) =>
  fromFile({ ...top, sources: [source(changes)] }, env).sources[0]!.changes;
const where = 'config file gw.json: sources[0].changes';

describe('changes: what each mode reads', () => {
  it('none by default, for file and command-line sources', () => {
    expect(changesOf(undefined)).toEqual({ mode: 'none' });
    expect(changesOf({ mode: 'none' })).toEqual({ mode: 'none' });
    expect(load(['--source', 'a=http://a.example']).sources[0]!.changes).toEqual({ mode: 'none' });
  });

  it('poll: types, intervalMs (default 5000)', () => {
    expect(changesOf({ mode: 'poll', types: ['Patient', 'Observation'] })).toEqual({ mode: 'poll', intervalMs: 5000, types: ['Patient', 'Observation'] });
    expect(changesOf({ mode: 'poll', types: ['Patient'], intervalMs: 250 })).toMatchObject({ intervalMs: 250 });
  });

  it('hook: the secret (or secretEnv), the channel header (default x-hook-secret, lower-cased), signature (default none), types', () => {
    expect(changesOf({ mode: 'hook', secret: SECRET })).toEqual({ mode: 'hook', secret: SECRET, header: 'x-hook-secret', signature: null, types: [] });
    expect(changesOf({ mode: 'hook', secretEnv: 'HOOK_SECRET', header: 'X-Upstream-Token', signature: 'medplum', types: ['Patient'] }, { HOOK_SECRET: SECRET }))
      .toEqual({ mode: 'hook', secret: SECRET, header: 'x-upstream-token', signature: 'medplum', types: ['Patient'] });
  });

  it('subscription: criteria, whose types are watched; payload; callbackUrl or publicBaseUrl', () => {
    expect(changesOf({ mode: 'subscription', secret: SECRET, criteria: ['Patient', 'Observation?category=vital-signs'], types: ['Encounter'], callbackUrl: 'https://gw.example/hooks/hapi' })).toEqual({
      mode: 'subscription', secret: SECRET, header: 'x-hook-secret', criteria: ['Patient', 'Observation?category=vital-signs'],
      types: ['Patient', 'Observation', 'Encounter'], payload: 'full-resource', callbackUrl: 'https://gw.example/hooks/hapi',
    });
    expect(changesOf({ mode: 'subscription', secret: SECRET, criteria: ['Patient'], payload: 'empty' }, {}, { publicBaseUrl: 'https://gw.example' }))
      .toMatchObject({ payload: 'empty', callbackUrl: null });
    expect(fromFile({ sources: [source({ mode: 'subscription', secret: SECRET, criteria: ['Patient'] })] }, {}, ['--public-url', 'https://gw.example']).sources[0]!.changes)
      .toMatchObject({ callbackUrl: null });
  });
});

describe('changes: problems, all at once, never the secret', () => {
  it('mode missing or unknown; another mode\'s keys; unknown keys', () => {
    expect(problems({ sources: [source({})] })).toEqual([`${where}.mode: is required: "none", "hook" (the source sends rest-hook notifications), "subscription" (the gateway registers one) or "poll"`]);
    expect(problems({ sources: [source({ mode: 'push' })] })[0]).toContain('must be one of "none", "hook", "subscription", "poll" (got "push")');
    const mixed = problems({ sources: [source({ mode: 'poll', types: ['Patient'], secret: SECRET, criteria: ['Patient'], interval: 5 })] });
    expect(mixed[0]).toContain(`${where}.interval: `);
    expect(mixed[0]).toContain('intervalMs');
    expect(mixed.slice(1)).toEqual([
      `${where}.secret: applies to mode "hook" or "subscription" only (this source's mode is "poll")`,
      `${where}.criteria: applies to mode "subscription" only (this source's mode is "poll")`,
    ]);
    expect(problems({ sources: [source({ mode: 'none', intervalMs: 100 })] })).toEqual([`${where}.intervalMs: applies to mode "poll" only (this source's mode is "none")`]);
  });

  it('poll needs types; intervalMs in range; types are resource types, once each', () => {
    expect(problems({ sources: [source({ mode: 'poll' })] })).toEqual([`${where}.types: is required: the types polled, e.g. ["Patient", "Observation"]`]);
    expect(problems({ sources: [source({ mode: 'poll', types: [], intervalMs: 10 })] })).toEqual([
      `${where}.types: must be a non-empty array of resource type names (got an empty array): the types polled, e.g. ["Patient", "Observation"]`,
      `${where}.intervalMs: must be an integer between 100 and 86400000 (got 10)`,
    ]);
    expect(problems({ sources: [source({ mode: 'poll', types: ['Patient', 'patient', 'Patient'] })] })).toEqual([
      `${where}.types[1]: must be a FHIR resource type name in PascalCase, e.g. Patient (got "patient")`,
      `${where}.types[2]: repeats Patient`,
    ]);
  });

  it('hook and subscription need a secret of 16+ visible characters, from the file or a set variable; never quoted', () => {
    expect(problems({ sources: [source({ mode: 'hook' })] })).toEqual([
      `${where}.secretEnv: is required (or secret): notifications to /hooks/{id} are authenticated by the channel header or an HMAC with this secret`,
    ]);
    const short = problems({ sources: [source({ mode: 'hook', secret: 'short-secret' })] });
    expect(short).toEqual([`${where}.secret: must be at least 16 characters long (value not shown)`]);
    const spaced = problems({ sources: [source({ mode: 'hook', secret: 'a secret with spaces inside' })] });
    expect(spaced).toEqual([`${where}.secret: must contain only visible ASCII characters, without spaces (value not shown)`]);
    expect(problems({ sources: [source({ mode: 'hook', secret: SECRET, secretEnv: 'X' })] })).toEqual([`${where}.secret: give either secret or secretEnv, not both`]);
    expect(problems({ sources: [source({ mode: 'hook', secretEnv: 'HOOK_SECRET' })] })).toEqual([`${where}.secretEnv: environment variable HOOK_SECRET is not set (or is empty)`]);
    const tooShortEnv = problems({ sources: [source({ mode: 'hook', secretEnv: 'HOOK_SECRET' })] }, { HOOK_SECRET: 'tiny' });
    expect(tooShortEnv).toEqual([`${where}.secretEnv: environment variable HOOK_SECRET must be at least 16 characters long (value not shown)`]);
    expect(problems({ sources: [source({ mode: 'hook', secretEnv: SECRET })] })[0]).not.toContain(SECRET);
    expect(problems({ sources: [source({ mode: 'hook', secret: SECRET, header: 'x-hook-signature' })] })).toEqual([`${where}.header: cannot be x-hook-signature: that header is the HMAC signature's`]);
    expect(problems({ sources: [source({ mode: 'hook', secret: SECRET, header: 'bad header' })] })).toEqual([`${where}.header: is not a valid HTTP header name`]);
    expect(problems({ sources: [source({ mode: 'hook', secret: SECRET, header: 'X-Signature' })] })).toEqual([`${where}.header: cannot be x-signature: that header is the HMAC signature's`]);
  });

  it('signature: "medplum" only, in hook mode only', () => {
    expect(problems({ sources: [source({ mode: 'hook', secret: SECRET, signature: 'hapi' })] })).toEqual([
      `${where}.signature: must be "medplum": a source that signs its notifications with X-Signature (got "hapi")`,
    ]);
    expect(problems({ sources: [source({ mode: 'subscription', secret: SECRET, criteria: ['Patient'], callbackUrl: 'https://gw.example/hooks/hapi', signature: 'medplum' })] })).toEqual([
      `${where}.signature: applies to mode "hook" only (this source's mode is "subscription")`,
    ]);
  });

  it('subscription needs criteria and a URL the source can notify', () => {
    expect(problems({ sources: [source({ mode: 'subscription', secret: SECRET, payload: 'id-only' })] })).toEqual([
      `${where}.criteria: is required: one R4 Subscription is registered per criteria, e.g. ["Patient", "Observation?category=vital-signs"]`,
      `${where}.payload: must be one of "full-resource", "empty" (got "id-only")`,
    ]);
    expect(problems({ sources: [source({ mode: 'subscription', secret: SECRET, criteria: ['patient', 'Patient', 'Patient', 'Observation#x'], callbackUrl: 'ftp://x' })] })).toEqual([
      `${where}.criteria[0]: must be a resource type, optionally with a search query: "Patient" or "Observation?category=vital-signs" (got "patient")`,
      `${where}.criteria[2]: repeats "Patient"`,
      `${where}.criteria[3]: must be a resource type, optionally with a search query: "Patient" or "Observation?category=vital-signs" (got "Observation#x")`,
      `${where}.callbackUrl: must use http or https (got "ftp://x")`,
    ]);
    expect(problems({ sources: [source({ mode: 'subscription', secret: SECRET, criteria: ['Patient'] })] })).toEqual([
      `config file gw.json: sources[0].changes: mode "subscription" needs the URL the source will notify: set changes.callbackUrl, or publicBaseUrl (--public-url) for {publicBaseUrl}/hooks/hapi`,
    ]);
  });

  it('problems of several sources and other keys come together', () => {
    const all = problems({ port: -1, sources: [source({ mode: 'poll' }), { ...source({ mode: 'hook' }), id: 'other', baseUrl: 'https://o.example' }] });
    expect(all).toHaveLength(3);
  });
});

describe('the JSON Schema describes changes', () => {
  const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../schema/gateway-config.schema.json', import.meta.url)), 'utf8'));
  const def = schema.$defs.changes;

  it('the same keys, modes, bounds and defaults as the code', () => {
    expect(schema.$defs.source.properties.changes).toEqual({ $ref: '#/$defs/changes' });
    expect(Object.keys(def.properties).sort()).toEqual([...FILE_KEYS.changes].sort());
    expect(def.additionalProperties).toBe(false);
    expect(def.required).toEqual(['mode']);
    expect(def.properties.mode.enum).toEqual(CHANGE_MODES);
    expect(def.properties.intervalMs).toMatchObject({ minimum: BOUNDS.changes.intervalMs.min, maximum: BOUNDS.changes.intervalMs.max, default: DEFAULT_CHANGES_OPTIONS.intervalMs });
    expect(def.properties.header.default).toBe(DEFAULT_CHANGES_OPTIONS.header);
    expect(def.properties.payload).toMatchObject({ enum: ['full-resource', 'empty'], default: DEFAULT_CHANGES_OPTIONS.payload });
    expect(def.properties.secretEnv.pattern).toBe(schema.$defs.source.properties.bearerTokenEnv.pattern);
    for (const [key, node] of Object.entries(def.properties)) expect((node as { description?: string }).description?.length, key).toBeGreaterThan(10);
  });

  it('its criteria pattern accepts what loadConfig accepts', () => {
    const pattern = new RegExp(def.properties.criteria.items.pattern);
    const accepts = (criteria: string) => {
      try {
        fromFile({ publicBaseUrl: 'https://gw.example', sources: [source({ mode: 'subscription', secret: SECRET, criteria: [criteria] })] });
        return true;
      } catch {
        return false;
      }
    };
    for (const c of ['Patient', 'Observation?category=vital-signs', 'Observation?code=http://loinc.org|8867-4&status=final', 'Patient?', 'patient', 'Observation#x', 'Patient?name=a b', '']) {
      expect(pattern.test(c), c).toBe(accepts(c));
    }
  });
});
