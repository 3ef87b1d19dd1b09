/**
 * `auth`: the SMART on FHIR resource-server settings (inbound bearer tokens). The config file's section, its issuer and
 * audience overridden by GATEWAY_AUTH_ISSUER / GATEWAY_AUTH_AUDIENCE and --auth-issuer / --auth-audience. The
 * introspection client secret comes from the environment variable the file names: no message quotes it.
 */
import type { AuthConfig, IntrospectionConfig } from './config.types.ts';
import type { Report } from './checks.ts';
import type { FileContext, PathReport } from './json-path.ts';
import { checkInt } from './checks.ts';
import { checkAuthUrl, checkClientSecret, checkIssuer } from './access-checks.ts';
import { BOUNDS, DEFAULT_AUTH } from './defaults.ts';
import { at, checkKeys, checkObject, counting, joinPath } from './json-path.ts';
import { readEnvSecret } from './validate-access.ts';
import { checkText } from './validate-smart-backend.ts';

export const AUTH_KEYS = ['issuer', 'audience', 'jwksUri', 'clockSkewS', 'introspection'] as const satisfies readonly (keyof AuthConfig)[];
export const INTROSPECTION_KEYS = ['endpoint', 'clientId', 'clientSecretEnv'] as const;

const ISSUER_HINT = 'the authorization server\'s issuer URL, exactly as tokens carry it in iss, e.g. "https://auth.example.org/realms/fhir"';
const INTROSPECTION_HINTS: Readonly<Record<(typeof INTROSPECTION_KEYS)[number], string>> = {
  endpoint: 'the authorization server\'s token introspection URL',
  clientId: 'the gateway\'s client id at the authorization server',
  clientSecretEnv: 'the name of the environment variable holding the client secret',
};

/** The file's `auth` section (present when the file has the key, valid or not): its checked keys. */
export interface FileAuth {
  /** The section is an object without `issuer` (it may still come from the environment or the command line). */
  issuerMissing: boolean;
  issuer?: string;
  audience?: string;
  jwksUri?: string;
  clockSkewS?: number;
  introspection?: IntrospectionConfig;
}

export function readFileAuth(value: unknown, path: string, ctx: FileContext, report: PathReport): FileAuth {
  const auth: FileAuth = { issuerMissing: false };
  if (!checkObject(value, path, report)) return auth;
  checkKeys(value, AUTH_KEYS, path, report);
  const key = (k: string): Report => at(report, joinPath(path, k));
  auth.issuerMissing = value.issuer === undefined;
  const issuer = value.issuer === undefined ? undefined : checkIssuer(value.issuer, key('issuer'));
  if (issuer !== undefined) auth.issuer = issuer;
  const audience = value.audience === undefined ? undefined : checkAuthUrl(value.audience, key('audience'));
  if (audience !== undefined) auth.audience = audience;
  const jwksUri = value.jwksUri === undefined ? undefined : checkAuthUrl(value.jwksUri, key('jwksUri'));
  if (jwksUri !== undefined) auth.jwksUri = jwksUri;
  const clockSkewS = value.clockSkewS === undefined ? undefined : checkInt(value.clockSkewS, BOUNDS.auth.clockSkewS, key('clockSkewS'));
  if (clockSkewS !== undefined) auth.clockSkewS = clockSkewS;
  if (value.introspection !== undefined) {
    const introspection = readIntrospection(value.introspection, joinPath(path, 'introspection'), ctx, report);
    if (introspection !== undefined) auth.introspection = introspection;
  }
  return auth;
}

function readIntrospection(value: unknown, path: string, ctx: FileContext, outer: PathReport): IntrospectionConfig | undefined {
  if (!checkObject(value, path, outer)) return undefined;
  checkKeys(value, INTROSPECTION_KEYS, path, outer);
  const { report, count } = counting(outer);
  const key = (k: string): Report => at(report, joinPath(path, k));
  for (const k of INTROSPECTION_KEYS) if (value[k] === undefined) key(k)(`is required: ${INTROSPECTION_HINTS[k]}`);
  const endpoint = value.endpoint === undefined ? undefined : checkAuthUrl(value.endpoint, key('endpoint'));
  const clientId = value.clientId === undefined ? undefined : checkText(value.clientId, 256, key('clientId'));
  const secret = value.clientSecretEnv === undefined
    ? undefined
    : readEnvSecret(value.clientSecretEnv, ctx.env, key('clientSecretEnv'), checkClientSecret, 'AUTH_CLIENT_SECRET');
  if (count() > 0 || endpoint === undefined || clientId === undefined || secret === undefined) return undefined;
  return { endpoint, clientId, clientSecret: secret.value };
}

/** The raw issuer / audience of the environment and the command line (undefined = not given). */
export interface AuthOverrides {
  readonly envIssuer: string | undefined;
  readonly envAudience: string | undefined;
  readonly cliIssuer: string | undefined;
  readonly cliAudience: string | undefined;
}

export interface AuthResult {
  /** null when no layer configures auth (or after reporting a problem). */
  readonly auth: AuthConfig | null;
  /** Some layer asked for auth (the file's section, or an issuer / audience from the environment or command line). */
  readonly requested: boolean;
}

/**
 * The file's section with its issuer and audience overridden: file < environment < command line. The environment's
 * and command line's values are checked here, layer by layer; `--auth-issuer` alone turns auth on with the defaults.
 */
export function authOf(file: FileAuth | undefined, fileWhere: string, raw: AuthOverrides, at: (where: string) => Report): AuthResult {
  const check = (value: string | undefined, where: string, fn: (v: unknown, r: Report) => string | undefined) =>
    value === undefined ? undefined : fn(value, at(where));
  const envIssuer = check(raw.envIssuer, 'GATEWAY_AUTH_ISSUER', checkIssuer);
  const envAudience = check(raw.envAudience, 'GATEWAY_AUTH_AUDIENCE', checkAuthUrl);
  const cliIssuer = check(raw.cliIssuer, '--auth-issuer', checkIssuer);
  const cliAudience = check(raw.cliAudience, '--auth-audience', checkAuthUrl);
  const issuerOverridden = raw.envIssuer !== undefined || raw.cliIssuer !== undefined;
  const requested = file !== undefined || issuerOverridden || raw.envAudience !== undefined || raw.cliAudience !== undefined;
  if (!requested) return { auth: null, requested };

  if (!issuerOverridden && file?.issuerMissing === true) {
    at(`${fileWhere}: auth.issuer`)(`is required: ${ISSUER_HINT} (or give --auth-issuer URL or GATEWAY_AUTH_ISSUER)`);
  } else if (!issuerOverridden && file === undefined) {
    at(raw.cliAudience !== undefined ? '--auth-audience' : 'GATEWAY_AUTH_AUDIENCE')(
      'needs an issuer: give --auth-issuer URL (or GATEWAY_AUTH_ISSUER, or auth.issuer in the config file)');
  }
  const issuer = cliIssuer ?? envIssuer ?? file?.issuer;
  if (issuer === undefined) return { auth: null, requested }; // reported: missing or invalid
  return {
    auth: {
      issuer,
      audience: cliAudience ?? envAudience ?? file?.audience ?? null,
      jwksUri: file?.jwksUri ?? null,
      clockSkewS: file?.clockSkewS ?? DEFAULT_AUTH.clockSkewS,
      introspection: file?.introspection ?? null,
    },
    requested,
  };
}

/**
 * The open-on-network rule's problem (loadConfig prefixes where the host came from): without auth the gateway serves
 * health data to whoever can reach it, so it only runs open on a loopback host, unless --insecure-no-auth.
 */
export const OPEN_ON_NETWORK = 'the gateway would serve health data to the network with no authentication; configure auth '
  + '(--auth-issuer URL, or "auth" in the config file) or pass --insecure-no-auth (GATEWAY_INSECURE_NO_AUTH=1)';
