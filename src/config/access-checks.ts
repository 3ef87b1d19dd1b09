/**
 * Value checks of the settings that guard the HTTP edge: CORS origins, trusted proxies, the cursor secret, the URLs of
 * the authorization server. Same contract as checks.ts: the raw value and a `report` callback in, the checked value
 * (or undefined after reporting) out.
 */
import { BlockList, isIP } from 'node:net';
import type { Report } from './checks.ts';
import { checkHttpUrl, got, quote, urlOrUndefined } from './checks.ts';
import { MIN_CURSOR_SECRET_BYTES } from './defaults.ts';

/**
 * A CORS origin: `scheme://host[:port]` (http or https), returned as the browser's `Origin` header spells it
 * (lower-case, punycode host, no default port), or '*' (whether '*' is allowed here is decided by the caller).
 * 'null' and partial wildcards are refused.
 */
export function checkOrigin(value: unknown, report: Report): string | undefined {
  const hint = 'an origin such as "https://app.example.org" or "http://localhost:3000"';
  if (typeof value !== 'string') {
    report(`must be ${hint} (${got(value)})`);
    return undefined;
  }
  if (value === '*') return value;
  if (value.toLowerCase() === 'null') {
    report('must not be "null": that is the origin of sandboxed iframes, file: pages and redirected requests, so allowing it would let any such document in');
    return undefined;
  }
  if (value.includes('*')) {
    report(`must be an exact origin: wildcards are not supported, list each origin (got ${quote(value)})`);
    return undefined;
  }
  const url = urlOrUndefined(value);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    report(`must be ${hint} (got ${quote(value)})`);
    return undefined;
  }
  const rest = value.replace(/^[a-z]+:\/\/[^/?#]*/i, '');
  if (url.username !== '' || url.password !== '' || (rest !== '' && rest !== '/')) {
    report(`must be an origin: scheme://host[:port], without credentials, path, query or fragment (got ${quote(value)})`);
    return undefined;
  }
  return url.origin;
}

/**
 * A trusted proxy: an IPv4 or IPv6 address, or a CIDR block `address/prefix` (prefix 1-32 / 1-128; 0 would trust
 * every peer). IPv6 is returned lower-case and compressed, IPv4 as written.
 */
export function checkProxyAddress(value: unknown, report: Report): string | undefined {
  const hint = 'an IP address or CIDR block, e.g. "10.0.0.5", "::1" or "10.0.0.0/8"';
  if (typeof value !== 'string') {
    report(`must be ${hint} (${got(value)})`);
    return undefined;
  }
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const prefix = slash < 0 ? undefined : value.slice(slash + 1);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) {
    report(`must be ${hint} (got ${quote(value)})`);
    return undefined;
  }
  const bits = version === 4 ? 32 : 128;
  if (prefix !== undefined && (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > bits)) {
    report(`must have a prefix length between 1 and ${bits} after the / (got ${quote(value)})`);
    return undefined;
  }
  if (prefix !== undefined && Number(prefix) === 0) {
    report(`must not be a /0 block: it would trust forwarding headers from every address (got ${quote(value)})`);
    return undefined;
  }
  const canonical = version === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
  return prefix === undefined ? canonical : `${canonical}/${Number(prefix)}`;
}

/**
 * The cursor-signing secret: visible ASCII without spaces, at least MIN_CURSOR_SECRET_BYTES bytes (its UTF-8 bytes
 * are the HMAC key, used as given: not decoded from base64 or hex). A secret: messages never include the value.
 */
export function checkCursorSecret(value: string, report: Report): string | undefined {
  if (!/^[\x21-\x7e]*$/.test(value)) {
    report('must contain only visible ASCII characters, without spaces (value not shown)');
    return undefined;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < MIN_CURSOR_SECRET_BYTES) {
    report(`must be at least ${MIN_CURSOR_SECRET_BYTES} bytes long, e.g. the output of \`openssl rand -base64 48\` (got ${bytes}; value not shown)`);
    return undefined;
  }
  return value;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a listen host, or the host name of a URL (IPv6 in brackets or not), is this machine's loopback interface:
 * 127.0.0.0/8, ::1 (any spelling, and IPv4-mapped 127.x), or `localhost` (any case). Any other name, however it
 * resolves, is not.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const version = isIP(bare);
  return version !== 0 && LOOPBACK.check(bare, version === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A URL of the authorization server (jwksUri, introspection endpoint) or the tokens' audience: absolute http(s), no
 * credentials, fragment or white space; https unless the host is loopback. Kept exactly as given (an audience is
 * compared byte for byte with the token's `aud`).
 */
export function checkAuthUrl(value: unknown, report: Report): string | undefined {
  return checkSecureUrl(value, report, true);
}

/** The issuer: as checkAuthUrl, and without a query (RFC 8414: discovery appends a path to it); kept exactly as given. */
export function checkIssuer(value: unknown, report: Report): string | undefined {
  return checkSecureUrl(value, report, false);
}

function checkSecureUrl(value: unknown, report: Report, allowQuery: boolean): string | undefined {
  const url = checkHttpUrl(value, report, { allowQuery, credentialsHint: '' });
  if (url === undefined || typeof value !== 'string') return undefined;
  if (/[\x00-\x20\x7f]/.test(value)) {
    // new URL() trims and drops some of these; kept as given, the value would never equal a token's iss / aud
    report(`must be an absolute http(s) URL without spaces or control characters (got ${quote(value)})`);
    return undefined;
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    report(`must use https: tokens and keys travel over it (http is accepted for loopback hosts only; got ${quote(value)})`);
    return undefined;
  }
  return value;
}

/** A client secret (RFC 6749 VSCHAR: printable ASCII). A secret: messages never include the value. */
export function checkClientSecret(value: string, report: Report): string | undefined {
  if (!/^[\x20-\x7e]+$/.test(value)) {
    report('must contain only printable ASCII characters (value not shown)');
    return undefined;
  }
  return value;
}

/** A yes/no environment variable: 1 or true (any case) = on, 0 or false = off; `defaultOn` only words the message. */
export function checkEnvFlag(value: string, report: Report, defaultOn = false): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  report(defaultOn ? `must be 0 or false (or 1 or true, the default) (got ${quote(value)})` : `must be 1 or true (or 0 or false, the default) (got ${quote(value)})`);
  return undefined;
}
