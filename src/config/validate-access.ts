/** Config-file sections that guard the HTTP edge: cors, trustedProxies, and secrets named by `...Env` keys. */
import type { CorsConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { FileContext, PathReport } from './json-path.ts';
import { BOUNDS } from './defaults.ts';
import { checkBoolean, checkInt, typeName } from './checks.ts';
import { checkOrigin, checkProxyAddress } from './access-checks.ts';
import { at, ENV_NAME, joinPath } from './json-path.ts';

export const CORS_KEYS = ['origins', 'credentials', 'maxAgeS'] as const satisfies readonly (keyof CorsConfig)[];

export interface FileOrigin {
  readonly origin: string;
  /** JSON path: `cors.origins[0]`. */
  readonly path: string;
}

/** The file's cors keys; origins checked and unique ('*' policy is checked by loadConfig with the command line's). */
export interface FileCors {
  origins: FileOrigin[];
  credentials?: boolean;
  maxAgeS?: number;
}

/** The file's `cors` object (its keys already checked). */
export function readCors(raw: Record<string, unknown>, report: PathReport): FileCors {
  const cors: FileCors = { origins: [] };
  if (raw.origins !== undefined) {
    if (!Array.isArray(raw.origins)) {
      report('cors.origins', `must be an array of origins (got ${typeName(raw.origins)})`);
    } else {
      raw.origins.forEach((item: unknown, i) => {
        const path = joinPath('cors.origins', i);
        const origin = checkOrigin(item, at(report, path));
        if (origin === undefined) return;
        if (cors.origins.some((o) => o.origin === origin)) report(path, `repeats ${JSON.stringify(origin)}`);
        else cors.origins.push({ origin, path });
      });
    }
  }
  if (raw.credentials !== undefined) {
    const credentials = checkBoolean(raw.credentials, at(report, 'cors.credentials'));
    if (credentials !== undefined) cors.credentials = credentials;
  }
  if (raw.maxAgeS !== undefined) {
    const maxAgeS = checkInt(raw.maxAgeS, BOUNDS.cors.maxAgeS, at(report, 'cors.maxAgeS'));
    if (maxAgeS !== undefined) cors.maxAgeS = maxAgeS;
  }
  return cors;
}

export function readTrustedProxies(value: unknown, path: string, report: PathReport): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    report(path, `must be an array of IP addresses or CIDR blocks (got ${typeName(value)})`);
    return [];
  }
  const proxies: string[] = [];
  value.forEach((item: unknown, i) => {
    const proxy = checkProxyAddress(item, at(report, joinPath(path, i)));
    if (proxy === undefined) return;
    if (proxies.includes(proxy)) report(joinPath(path, i), `repeats ${JSON.stringify(proxy)}`);
    else proxies.push(proxy);
  });
  return proxies;
}

/**
 * A secret from the environment variable whose name the file gives (`...Env` keys), checked by `check`.
 * Messages name the variable, never its value (nor a bad name: it may be the value); `example` is the name suggested.
 */
export function readEnvSecret(
  name: unknown, env: FileContext['env'], report: Report, check: (value: string, report: Report) => string | undefined,
  example = 'GATEWAY_CURSOR_SECRET',
): { value: string; env: string } | undefined {
  if (typeof name !== 'string' || !ENV_NAME.test(name)) {
    // a string is not echoed: it may be the secret itself, written where its variable's name belongs
    const what = typeof name === 'string' ? 'a string that is not one, not shown in case it is the secret itself' : typeName(name);
    report(`must be the name of an environment variable, e.g. "${example}" (got ${what})`);
    return undefined;
  }
  const value = env[name];
  if (value === undefined || value === '') {
    report(`environment variable ${name} is not set (or is empty)`);
    return undefined;
  }
  const checked = check(value, (m) => report(`environment variable ${name} ${m}`));
  return checked === undefined ? undefined : { value: checked, env: name };
}
