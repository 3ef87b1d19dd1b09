/**
 * A source's `smartBackend` object (SMART Backend Services: client_credentials grant with a `private_key_jwt`
 * assertion) -> SmartBackendAuthConfig. The private key comes from a file or an environment variable and is checked
 * here, at startup, so that a wrong key fails the start and not the first upstream request. The key is a secret:
 * no message quotes it.
 */
import { resolve } from 'node:path';
import type { SmartBackendAuthConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { FileContext, PathReport } from './json-path.ts';
import { checkHttpUrl, quote, typeName } from './checks.ts';
import { DEFAULT_SMART_BACKEND, SMART_ALGORITHMS } from './defaults.ts';
import { at, checkKeys, checkObject, counting, ENV_NAME, joinPath } from './json-path.ts';
import { checkPrivateKey } from './private-key.ts';

export const SMART_BACKEND_KEYS = [
  'tokenUrl', 'clientId', 'scope', 'algorithm', 'privateKeyFile', 'privateKeyEnv', 'keyId',
] as const;

/** RFC 6749 §3.3: scope-tokens of visible ASCII except '"' and '\', separated by single spaces. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
/** No control characters (these values end up in a JWT and in log lines). */
const PLAIN_TEXT = /^[^\x00-\x1f\x7f]+$/;

export function readSmartBackend(
  value: unknown, path: string, ctx: FileContext, outer: PathReport,
): SmartBackendAuthConfig | undefined {
  if (!checkObject(value, path, outer)) return undefined;
  checkKeys(value, SMART_BACKEND_KEYS, path, outer);
  const { report, count } = counting(outer);
  const key = (k: string): Report => at(report, joinPath(path, k));

  const tokenUrl = value.tokenUrl === undefined ? null : checkTokenUrl(value.tokenUrl, key('tokenUrl'));
  if (value.clientId === undefined) key('clientId')('is required: the client id registered with the authorization server');
  const clientId = value.clientId === undefined ? undefined : checkText(value.clientId, 256, key('clientId'));
  const scope = value.scope === undefined ? DEFAULT_SMART_BACKEND.scope : checkScope(value.scope, key('scope'));
  const algorithm = value.algorithm === undefined ? DEFAULT_SMART_BACKEND.algorithm : checkAlgorithm(value.algorithm, key('algorithm'));
  const keyId = value.keyId === undefined ? null : checkText(value.keyId, 256, key('keyId'));
  const privateKey = readPrivateKey(value, path, ctx, algorithm, report);

  if (count() > 0 || tokenUrl === undefined || clientId === undefined || scope === undefined || algorithm === undefined
    || keyId === undefined || privateKey === undefined) {
    return undefined;
  }
  return { type: 'smart-backend', tokenUrl, clientId, scope, algorithm, privateKey, keyId };
}

/** An absolute http(s) URL without credentials or fragment, kept as written (it is also the assertion's `aud`). */
function checkTokenUrl(value: unknown, report: Report): string | undefined {
  return checkHttpUrl(value, report, { allowQuery: true, credentialsHint: '' }) === undefined ? undefined : (value as string);
}

/** A non-empty string of at most `max` characters without control characters (client ids, key ids). */
export function checkText(value: unknown, max: number, report: Report): string | undefined {
  if (typeof value !== 'string' || value === '') {
    report(`must be a non-empty string (got ${typeof value === 'string' ? 'an empty string' : typeName(value)})`);
    return undefined;
  }
  if (value.length > max || !PLAIN_TEXT.test(value)) {
    report(`must be at most ${max} characters without control characters (got ${quote(value)})`);
    return undefined;
  }
  return value;
}

function checkScope(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || !SCOPE.test(value)) {
    const got = typeof value === 'string' ? quote(value) : typeName(value);
    report(`must be space-separated OAuth scopes, e.g. "system/*.read" or "system/Patient.rs system/Observation.rs" (got ${got})`);
    return undefined;
  }
  return value;
}

function checkAlgorithm(value: unknown, report: Report): SmartBackendAuthConfig['algorithm'] | undefined {
  const algorithm = SMART_ALGORITHMS.find((a) => a === value);
  if (algorithm === undefined) {
    const got = typeof value === 'string' ? quote(value) : typeName(value);
    report(`must be one of ${SMART_ALGORITHMS.join(', ')} (got ${got})`);
  }
  return algorithm;
}

/** Exactly one of privateKeyFile / privateKeyEnv; the text is then checked against the algorithm (when that is valid). */
function readPrivateKey(
  value: Record<string, unknown>, path: string, ctx: FileContext,
  algorithm: SmartBackendAuthConfig['algorithm'] | undefined, report: PathReport,
): string | undefined {
  const { privateKeyFile, privateKeyEnv } = value;
  const fileWhere = joinPath(path, 'privateKeyFile');
  const envWhere = joinPath(path, 'privateKeyEnv');
  if (privateKeyFile !== undefined && privateKeyEnv !== undefined) {
    report(fileWhere, 'give either privateKeyFile or privateKeyEnv, not both');
    return undefined;
  }
  let text: string | undefined;
  let source: string;
  let where: string;
  if (privateKeyFile !== undefined) {
    where = fileWhere;
    if (typeof privateKeyFile !== 'string' || privateKeyFile === '') {
      report(where, `must be the path of a PEM or JWK key file (got ${typeof privateKeyFile === 'string' ? 'an empty string' : typeName(privateKeyFile)})`);
      return undefined;
    }
    source = `key file ${quote(privateKeyFile)}`;
    try {
      text = ctx.readFile(resolve(ctx.dir, privateKeyFile));
    } catch (error) {
      report(where, `${source} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  } else if (privateKeyEnv !== undefined) {
    where = envWhere;
    if (typeof privateKeyEnv !== 'string' || !ENV_NAME.test(privateKeyEnv)) {
      const what = typeof privateKeyEnv === 'string' ? quote(privateKeyEnv) : typeName(privateKeyEnv);
      report(where, `must be the name of an environment variable, e.g. "EHR_PRIVATE_KEY" (got ${what})`);
      return undefined;
    }
    source = `environment variable ${privateKeyEnv}`;
    text = ctx.env[privateKeyEnv];
    if (text === undefined || text === '') {
      report(where, `${source} is not set (or is empty)`);
      return undefined;
    }
  } else {
    report(path, 'needs the private key: give privateKeyFile (a PEM or JWK file) or privateKeyEnv (an environment variable holding it)');
    return undefined;
  }
  if (algorithm === undefined) return undefined; // reported already; the key cannot be matched against it
  return checkPrivateKey(text.replace(/^\uFEFF/, ''), algorithm, (message) => report(where, `${source} ${message}`));
}
