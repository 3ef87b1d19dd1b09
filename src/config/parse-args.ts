/**
 * Command line: syntax only (which flags, which values). The values are checked, together with
 * the environment and the config file, by loadConfig, so that every problem is reported at once.
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { suggest } from './checks.ts';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_LOG_LEVEL, DEFAULT_STORAGE, LOG_LEVELS } from './defaults.ts';

export interface CliSource {
  readonly id: string;
  readonly baseUrl: string;
  /** Where this source came from, for messages: `--source #1` (1-based, in command-line order). */
  readonly where: string;
}

export interface CliIdentitySystem {
  readonly value: string;
  /** `--identity-system #1` (1-based, in command-line order). */
  readonly where: string;
}

export interface CliCorsOrigin {
  readonly value: string;
  /** `--cors-origin #1` (1-based, in command-line order). */
  readonly where: string;
}

export interface CliValues {
  readonly port?: string;
  readonly host?: string;
  readonly config?: string;
  readonly logLevel?: string;
  /** `--write-source ID` (the last one wins). */
  readonly writeSource?: string;
  /** `--introspection on|off` (the last one wins; checked by loadConfig). */
  readonly introspection?: string;
  /** `--public-url URL` (the last one wins). */
  readonly publicUrl?: string;
  /** `--cors-origin ORIGIN`, in order; present only when given. */
  readonly corsOrigins?: readonly CliCorsOrigin[];
  /** `--auth-issuer URL` (the last one wins). */
  readonly authIssuer?: string;
  /** `--auth-audience URL` (the last one wins). */
  readonly authAudience?: string;
  /** `--database-url URL` (the last one wins; checked by loadConfig). */
  readonly databaseUrl?: string;
  /** `--redis-url URL` (the last one wins; checked by loadConfig). */
  readonly redisUrl?: string;
  /** `--insecure-no-auth`; present (true) only when given. */
  readonly insecureNoAuth?: true;
  /** `--demo-auth`; present (true) only when given. */
  readonly demoAuth?: true;
  /** `--no-demo-changes`; present (true) only when given. */
  readonly noDemoChanges?: true;
  readonly sources: readonly CliSource[];
  readonly identitySystems: readonly CliIdentitySystem[];
  readonly help: boolean;
}

export interface ParsedArgs {
  readonly values: CliValues;
  /** Every syntax problem, each prefixed with the flag it concerns. */
  readonly problems: readonly string[];
}

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  source: { type: 'string', short: 's', multiple: true },
  config: { type: 'string', short: 'c' },
  'log-level': { type: 'string' },
  'identity-system': { type: 'string', multiple: true },
  'write-source': { type: 'string' },
  introspection: { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  'auth-issuer': { type: 'string' },
  'auth-audience': { type: 'string' },
  'insecure-no-auth': { type: 'boolean' },
  'demo-auth': { type: 'boolean' },
  'no-demo-changes': { type: 'boolean' },
  'database-url': { type: 'string' },
  'redis-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;

const VALUE_NAMES: Readonly<Record<OptionName, string>> = {
  port: 'N', host: 'H', source: 'ID=BASE_URL', config: 'FILE', 'log-level': 'L', 'identity-system': 'URI', 'write-source': 'ID',
  introspection: 'on|off', 'cors-origin': 'ORIGIN', 'public-url': 'URL', 'auth-issuer': 'URL', 'auth-audience': 'URL',
  'insecure-no-auth': '', 'demo-auth': '', 'no-demo-changes': '', 'database-url': 'URL', 'redis-url': 'URL', help: '',
};
const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

export const usage = `Usage: fhir-graphql-gateway [options]

One GraphQL API (HL7 FHIR GraphQL conventions) in front of one or many FHIR R4 servers.
With no source configured, two embedded demo FHIR R4 servers are started and federated: 'hospital'
(synthetic patients) and 'lab' (60 % of the same people under their own ids, linked by a national id);
writes that name no source go to 'hospital'.

Options:
  -p, --port N              Port to listen on, 0-65535 (default ${DEFAULT_PORT}; 0 = any free port)
      --host H              Address to listen on (default ${DEFAULT_HOST}; use 0.0.0.0 for all interfaces)
  -s, --source ID=BASE_URL  Add an upstream FHIR R4 server; may repeat. ID is a slug (a-z, 0-9, '-'),
                            BASE_URL an http(s) URL. Added to the config file's sources, with defaults.
  -c, --config FILE         JSON config file (schema: schema/gateway-config.schema.json)
      --log-level L         ${LOG_LEVELS.join(' | ')} (default ${DEFAULT_LOG_LEVEL})
      --identity-system URI Patient identifier system (urn: or http(s) URI) that identifies one person
                            across sources; may repeat. Added to the config file's
                            identity.patientIdentifierSystems (a system given twice counts once).
      --write-source ID     Source that takes creates, conditional writes, batches and update-as-create
                            that name no source, for types it serves among several (else SOURCE_REQUIRED).
                            Overrides the config file's defaultWriteSource. In demo mode: hospital.
      --introspection on|off
                            Answer __schema / __type (default: on, but off when NODE_ENV=production
                            and sources are configured). Overrides the config file's introspection.
      --cors-origin ORIGIN  Browser origin (scheme://host[:port]) allowed cross-origin access; may repeat.
                            Added to the config file's cors.origins. Default: none.
      --public-url URL      The gateway's public base URL, for links in FHIR Bundles (default: taken from
                            the request). Overrides the config file's publicBaseUrl.
      --auth-issuer URL     Accept only bearer tokens of this SMART on FHIR issuer (default: none, runs open)
      --auth-audience URL   Token audience required (default: the gateway's FHIR base URL as the client reached it)
      --insecure-no-auth    Allow running open (no auth) on a host that is not loopback (default: refused)
      --demo-auth           Validate tokens of a development issuer served by the gateway itself (loopback
                            only; make tokens with \`npm run token\`). Not with --auth-issuer.
      --no-demo-changes     Demo only: no trickle of new vital-sign Observations into 'hospital' (one every
                            20 s by default), and no change capture from the demo servers
      --database-url URL    Gateway's own database: postgres://… or sqlite:PATH (default: ${DEFAULT_STORAGE.url})
      --redis-url URL       Redis (redis://…) that tells replicas of each other's events (default: none; with
                            PostgreSQL storage, its LISTEN/NOTIFY does)
  -h, --help                Show this help and exit

Environment:
  PORT, HOST, LOG_LEVEL     Same as --port, --host, --log-level
  GATEWAY_CONFIG            Same as --config
  GATEWAY_CURSOR_SECRET     Key (at least 32 bytes) that signs paging cursors, the same on every replica;
                            overrides the config file's cursorSecretEnv. Unset: a random key per start.
  GATEWAY_AUTH_ISSUER       Same as --auth-issuer
  GATEWAY_AUTH_AUDIENCE     Same as --auth-audience
  GATEWAY_INSECURE_NO_AUTH  1 or true: same as --insecure-no-auth
  GATEWAY_DEMO_CHANGES      0 or false: same as --no-demo-changes (1 or true: on, the default)
  DATABASE_URL              Same as --database-url
  REDIS_URL                 Same as --redis-url
  NODE_ENV                  'production' turns on production behaviour

Precedence: defaults < config file < environment < command line.
Per-source settings (timeouts, connection limits, retries, circuit breaker, resource types, headers,
bearer token or SMART Backend Services), limits, CORS credentials and max age, trusted proxies,
capability refresh, GraphiQL, the demo data and its trickle's interval, auth's JWKS URL, clock skew
and token introspection, audit durability, and the event log's retention and poll are set in the
config file.
`;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const problems: string[] = [];
  const single: Partial<Record<OptionName, string>> = {};
  const sources: CliSource[] = [];
  const identitySystems: CliIdentitySystem[] = [];
  const corsOrigins: CliCorsOrigin[] = [];
  let help = false;
  let insecureNoAuth = false;
  let demoAuth = false;
  let noDemoChanges = false;

  let rest = [...argv];
  // node's parseArgs in strict mode stops at the first problem; non-strict mode with tokens lets
  // us report them all. A string flag followed by another flag (`--port --help`) is taken as
  // missing its value, and parsing restarts after it so the next flag is not swallowed.
  restart: for (;;) {
    const { tokens } = nodeParseArgs({ args: rest, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    let skipIndex = -1;
    for (const token of tokens) {
      if (token.kind === 'option-terminator') continue;
      if (token.kind === 'positional') {
        if (token.index === skipIndex) continue;
        problems.push(`unexpected argument ${JSON.stringify(token.value)} (options start with --; see --help)`);
        continue;
      }
      const { name, rawName, value, inlineValue } = token;
      if (!isOptionName(name)) {
        const hint = suggest(name, OPTION_NAMES);
        problems.push(`${rawName}: unknown option (${hint === undefined ? 'see --help' : `did you mean --${hint}?`})`);
        // `--prot 5`: the 5 was most likely meant as its value; don't report it again.
        if (value === undefined) skipIndex = token.index + 1;
        continue;
      }
      if (OPTIONS[name].type === 'boolean') {
        if (value !== undefined) problems.push(`${rawName}: takes no value`);
        else if (name === 'insecure-no-auth') insecureNoAuth = true;
        else if (name === 'demo-auth') demoAuth = true;
        else if (name === 'no-demo-changes') noDemoChanges = true;
        else help = true;
        continue;
      }
      if (value === undefined) {
        problems.push(`--${name}: missing value (expected --${name} ${VALUE_NAMES[name]})`);
        continue;
      }
      if (!inlineValue && value.startsWith('-')) {
        problems.push(`--${name}: missing value before ${value} (for a value starting with '-', write --${name}=VALUE)`);
        rest = rest.slice(token.index + 1);
        continue restart;
      }
      if (name === 'source') {
        const where = `--source #${sources.length + 1}`;
        const eq = value.indexOf('=');
        if (eq <= 0 || eq === value.length - 1) {
          problems.push(`${where}: expected ID=BASE_URL, e.g. --source hapi=https://hapi.fhir.org/baseR4`);
          sources.push({ id: '', baseUrl: '', where }); // keeps the numbering of later --source flags
          continue;
        }
        sources.push({ id: value.slice(0, eq), baseUrl: value.slice(eq + 1), where });
        continue;
      }
      if (name === 'identity-system') {
        identitySystems.push({ value, where: `--identity-system #${identitySystems.length + 1}` });
        continue;
      }
      if (name === 'cors-origin') {
        corsOrigins.push({ value, where: `--cors-origin #${corsOrigins.length + 1}` });
        continue;
      }
      single[name] = value; // the last occurrence wins
    }
    break;
  }

  const values: CliValues = {
    sources: sources.filter((s) => s.id !== ''),
    identitySystems,
    help,
    ...(single.port !== undefined && { port: single.port }),
    ...(single.host !== undefined && { host: single.host }),
    ...(single.config !== undefined && { config: single.config }),
    ...(single['log-level'] !== undefined && { logLevel: single['log-level'] }),
    ...(single['write-source'] !== undefined && { writeSource: single['write-source'] }),
    ...(single.introspection !== undefined && { introspection: single.introspection }),
    ...(single['public-url'] !== undefined && { publicUrl: single['public-url'] }),
    ...(corsOrigins.length > 0 && { corsOrigins }),
    ...(single['auth-issuer'] !== undefined && { authIssuer: single['auth-issuer'] }),
    ...(single['auth-audience'] !== undefined && { authAudience: single['auth-audience'] }),
    ...(insecureNoAuth && { insecureNoAuth: true as const }),
    ...(demoAuth && { demoAuth: true as const }),
    ...(noDemoChanges && { noDemoChanges: true as const }),
    ...(single['database-url'] !== undefined && { databaseUrl: single['database-url'] }),
    ...(single['redis-url'] !== undefined && { redisUrl: single['redis-url'] }),
  };
  return { values, problems };
}
