/**
 * A source's `changes` section: how the gateway learns of changes made on the source by others (src/events). Each mode
 * takes its own keys; a key of another mode is a problem, named with the modes it belongs to. The secret is never
 * quoted in a message.
 */
import type { ChangeCaptureConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { FileContext, PathReport } from './json-path.ts';
import { checkHeaderName, checkHttpUrl, checkInt, got, quote, typeName } from './checks.ts';
import { BOUNDS, CHANGE_MODES, DEFAULT_CHANGES, DEFAULT_CHANGES_OPTIONS, MIN_HOOK_SECRET_LENGTH } from './defaults.ts';
import { at, checkKeys, checkObject, counting, joinPath, readTypeNames } from './json-path.ts';
import { readEnvSecret } from './validate-access.ts';

export const CHANGES_KEYS = ['mode', 'secret', 'secretEnv', 'header', 'signature', 'types', 'intervalMs', 'criteria', 'payload', 'callbackUrl'] as const;

type Mode = ChangeCaptureConfig['mode'];
/** The modes each key applies to (`mode` to all). */
const KEY_MODES: Readonly<Record<(typeof CHANGES_KEYS)[number], readonly Mode[]>> = {
  mode: CHANGE_MODES,
  secret: ['hook', 'subscription'],
  secretEnv: ['hook', 'subscription'],
  header: ['hook', 'subscription'],
  signature: ['hook'],
  types: ['hook', 'subscription', 'poll'],
  intervalMs: ['poll'],
  criteria: ['subscription'],
  payload: ['subscription'],
  callbackUrl: ['subscription'],
};
export const SUBSCRIPTION_PAYLOADS = ['full-resource', 'empty'] as const;
/** The signatures a hook source may use besides the gateway's own (X-Hook-Signature). */
export const HOOK_SIGNATURES = ['medplum'] as const;
/** Criteria: a resource type, then optionally `?` and a query string (no fragment, no white space). */
const CRITERIA = /^([A-Z][A-Za-z0-9]{0,63})(\?[^\s#]*)?$/;

/** The checked `changes` of the source at `path` (its own path is `${path}.changes`); undefined after a problem. */
export function readChanges(value: unknown, path: string, ctx: FileContext, outer: PathReport): ChangeCaptureConfig | undefined {
  if (value === undefined) return DEFAULT_CHANGES;
  if (!checkObject(value, path, outer)) return undefined;
  checkKeys(value, CHANGES_KEYS, path, outer);
  const { report, count } = counting(outer);
  const key = (k: string): Report => at(report, joinPath(path, k));
  const mode = CHANGE_MODES.find((m) => m === value.mode);
  if (mode === undefined) {
    const what = value.mode === undefined ? 'is required' : `must be one of ${CHANGE_MODES.map((m) => JSON.stringify(m)).join(', ')} (${got(value.mode)})`;
    key('mode')(`${what}: "none", "hook" (the source sends rest-hook notifications), "subscription" (the gateway registers one) or "poll"`);
    return undefined;
  }
  for (const k of CHANGES_KEYS) {
    if (value[k] !== undefined && !KEY_MODES[k].includes(mode)) {
      key(k)(`applies to mode ${KEY_MODES[k].map((m) => JSON.stringify(m)).join(' or ')} only (this source's mode is ${JSON.stringify(mode)})`);
    }
  }
  if (mode === 'none') return count() > 0 ? undefined : DEFAULT_CHANGES;

  const types = readTypes(value.types, joinPath(path, 'types'), report, mode === 'poll');
  if (mode === 'poll') {
    const intervalMs = value.intervalMs === undefined ? DEFAULT_CHANGES_OPTIONS.intervalMs : checkInt(value.intervalMs, BOUNDS.changes.intervalMs, key('intervalMs'));
    return count() > 0 || types === undefined || intervalMs === undefined ? undefined : { mode, intervalMs, types };
  }

  const secret = readSecret(value, path, ctx, report);
  const header = value.header === undefined ? DEFAULT_CHANGES_OPTIONS.header : readHeader(value.header, key('header'));
  if (mode === 'hook') {
    const signature = value.signature === undefined ? null : HOOK_SIGNATURES.find((s) => s === value.signature);
    if (signature === undefined) key('signature')(`must be ${HOOK_SIGNATURES.map((s) => JSON.stringify(s)).join(' or ')}: a source that signs its notifications with X-Signature (${got(value.signature)})`);
    return count() > 0 || types === undefined || secret === undefined || header === undefined || signature === undefined ? undefined : { mode, secret, header, signature, types };
  }
  const criteria = readCriteria(value.criteria, joinPath(path, 'criteria'), report);
  const payload = value.payload === undefined ? DEFAULT_CHANGES_OPTIONS.payload : SUBSCRIPTION_PAYLOADS.find((p) => p === value.payload);
  if (payload === undefined) key('payload')(`must be one of ${SUBSCRIPTION_PAYLOADS.map((p) => JSON.stringify(p)).join(', ')} (${got(value.payload)})`);
  const callbackUrl = value.callbackUrl === undefined ? null : readCallbackUrl(value.callbackUrl, key('callbackUrl'));
  if (count() > 0 || types === undefined || secret === undefined || header === undefined || criteria === undefined || payload === undefined || callbackUrl === undefined) {
    return undefined;
  }
  const watched = [...new Set([...criteria.map((c) => c.split('?', 1)[0]!), ...types])];
  return { mode, secret, header, criteria, types: watched, payload, callbackUrl };
}

function readTypes(value: unknown, path: string, outer: PathReport, required: boolean): string[] | undefined {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || value.length === 0) {
    const what = value === undefined ? 'is required' : `must be a non-empty array of resource type names (got ${Array.isArray(value) ? 'an empty array' : typeName(value)})`;
    outer(path, `${what}: the types polled, e.g. ["Patient", "Observation"]`);
    return undefined;
  }
  return readTypeNames(value, path, outer);
}

function readCriteria(value: unknown, path: string, outer: PathReport): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    const what = value === undefined ? 'is required' : `must be a non-empty array of Subscription criteria (got ${Array.isArray(value) ? 'an empty array' : typeName(value)})`;
    outer(path, `${what}: one R4 Subscription is registered per criteria, e.g. ["Patient", "Observation?category=vital-signs"]`);
    return undefined;
  }
  const { report, count } = counting(outer);
  const criteria: string[] = [];
  value.forEach((item: unknown, i) => {
    const here = joinPath(path, i);
    if (typeof item !== 'string' || !CRITERIA.test(item)) {
      report(here, `must be a resource type, optionally with a search query: "Patient" or "Observation?category=vital-signs" (${got(item)})`);
    } else if (criteria.includes(item)) {
      report(here, `repeats ${quote(item)}`);
    } else {
      criteria.push(item);
    }
  });
  return count() > 0 ? undefined : criteria;
}

function readSecret(value: Record<string, unknown>, path: string, ctx: FileContext, report: PathReport): string | undefined {
  const key = (k: string): Report => at(report, joinPath(path, k));
  const check = (secret: string, problem: Report): string | undefined => {
    if (!/^[\x21-\x7e]+$/.test(secret)) problem('must contain only visible ASCII characters, without spaces (value not shown)');
    else if (secret.length < MIN_HOOK_SECRET_LENGTH) problem(`must be at least ${MIN_HOOK_SECRET_LENGTH} characters long (value not shown)`);
    else return secret;
    return undefined;
  };
  if (value.secret !== undefined && value.secretEnv !== undefined) {
    key('secret')('give either secret or secretEnv, not both');
    return undefined;
  }
  if (value.secretEnv !== undefined) return readEnvSecret(value.secretEnv, ctx.env, key('secretEnv'), check, 'HAPI_HOOK_SECRET')?.value;
  if (value.secret === undefined) {
    key('secretEnv')('is required (or secret): notifications to /hooks/{id} are authenticated by the channel header or an HMAC with this secret');
    return undefined;
  }
  if (typeof value.secret !== 'string') {
    key('secret')(`must be a string (got ${typeName(value.secret)})`);
    return undefined;
  }
  return check(value.secret, key('secret'));
}

function readHeader(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string') {
    report(`must be an HTTP header name (${got(value)})`);
    return undefined;
  }
  const name = checkHeaderName(value, report);
  if (name === 'x-hook-signature' || name === 'x-hook-timestamp' || name === 'x-signature') {
    report(`cannot be ${name}: that header is the HMAC signature's`);
    return undefined;
  }
  return name;
}

function readCallbackUrl(value: unknown, report: Report): string | undefined {
  return checkHttpUrl(value, report, { allowQuery: true, credentialsHint: ': the channel header carries the secret' })?.href;
}
