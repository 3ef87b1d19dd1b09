import { describe, expect, it } from 'vitest';
import { ConfigError, HelpRequested, loadConfig, usage } from '../../src/config/load-config.ts';
import { DEFAULT_CIRCUIT_BREAKER, DEFAULT_LIMITS, DEFAULT_SOURCE } from '../../src/config/defaults.ts';
import { load, problemsOf } from './helpers.ts';

describe('loadConfig defaults', () => {
  it('gives the documented defaults with no input at all', () => {
    const config = loadConfig({ argv: [], env: {} });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 4000,
      sources: [],
      limits: {
        maxDepth: 12, maxAliases: 30, maxCost: 10000, defaultCount: 20, maxCount: 500,
        requestTimeoutMs: 30_000, maxUrlLength: 2000,
        maxDocumentBytes: 102_400, maxDocumentTokens: 10_000, maxDocumentNesting: 64, maxBodyBytes: 16_777_216,
        maxJsonDepth: 100, maxSearchValueLength: 1024, maxSearchValues: 100, maxIntrospectionDepth: 15, fhirpathTimeoutMs: 1000, maxSubscriptionBacklog: 1000,
      },
      logLevel: 'info',
      graphiql: true,
      production: false,
      demo: { patients: 100, seed: 1, changes: true, changeIntervalMs: 20_000 },
      identity: { patientIdentifierSystems: [] },
      capabilityRefreshMs: 300_000,
      defaultWriteSource: null,
      introspection: true,
      cors: { origins: [], credentials: false, maxAgeS: 600 },
      publicBaseUrl: null,
      trustedProxies: [],
      cursorSecret: null,
      auth: null,
      insecureNoAuth: false,
      demoAuth: false,
      storage: { url: 'sqlite:./.gateway/gateway.db' },
      audit: { durability: 'batched' },
      events: { retentionDays: 7, pollMs: 1000, redisUrl: null, redisChannel: 'fhir-gateway:changes' },
      configFile: null,
    });
  });

  it('sets production from NODE_ENV', () => {
    expect(load([], { NODE_ENV: 'production' }).production).toBe(true);
    expect(load([], { NODE_ENV: 'development' }).production).toBe(false);
  });

  it('treats empty environment variables as unset', () => {
    expect(load([], { PORT: '', HOST: '', LOG_LEVEL: '', GATEWAY_CONFIG: '' })).toMatchObject({ port: 4000, host: '127.0.0.1', logLevel: 'info', configFile: null });
  });
});

describe('loadConfig precedence: defaults < config file < env < command line', () => {
  // A host that is not loopback needs auth or --insecure-no-auth (test/config/auth-config.test.ts); these tests are about precedence.
  const file = { '/work/gw.json': { host: '10.0.0.1', port: 5000, logLevel: 'warn' } };

  it('config file over defaults', () => {
    expect(load(['--config', 'gw.json', '--insecure-no-auth'], {}, file)).toMatchObject({ host: '10.0.0.1', port: 5000, logLevel: 'warn', configFile: '/work/gw.json' });
  });

  it('GATEWAY_CONFIG names the file; --config wins over it', () => {
    const files = { ...file, '/work/other.json': { port: 6000 } };
    expect(load([], { GATEWAY_CONFIG: 'gw.json', GATEWAY_INSECURE_NO_AUTH: '1' }, files).port).toBe(5000);
    expect(load(['--config', 'other.json'], { GATEWAY_CONFIG: 'gw.json' }, files).port).toBe(6000);
  });

  it('environment over config file', () => {
    const env = { HOST: '0.0.0.0', PORT: '5001', LOG_LEVEL: 'DEBUG', GATEWAY_INSECURE_NO_AUTH: 'true' };
    expect(load(['-c', 'gw.json'], env, file)).toMatchObject({ host: '0.0.0.0', port: 5001, logLevel: 'debug' });
  });

  it('command line over environment', () => {
    const env = { HOST: '0.0.0.0', PORT: '5001', LOG_LEVEL: 'debug' };
    const argv = ['-c', 'gw.json', '--host', '::1', '--port=5002', '--log-level', 'error'];
    expect(load(argv, env, file)).toMatchObject({ host: '::1', port: 5002, logLevel: 'error' });
  });

  it('the last of a repeated flag wins', () => {
    expect(load(['--port', '1', '--port', '2']).port).toBe(2);
  });

  it('merges partial limits and demo with the defaults', () => {
    const config = load(['-c', 'gw.json'], {}, { '/work/gw.json': { limits: { maxDepth: 5 }, demo: { patients: 7 }, graphiql: false } });
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxDepth: 5 });
    expect(config.demo).toEqual({ patients: 7, seed: 1, changes: true, changeIntervalMs: 20_000 });
    expect(config.graphiql).toBe(false);
  });
});

describe('sources', () => {
  it('--source may repeat; each gets the defaults; base URLs are normalised', () => {
    const config = load(['--source', 'a=http://A.example:80/fhir/', '-s', 'b=https://b.example/r4//']);
    expect(config.sources).toEqual([
      { id: 'a', baseUrl: 'http://a.example/fhir', ...DEFAULT_SOURCE, resourceTypes: null, headers: {}, auth: { type: 'none' }, circuitBreaker: { failureThreshold: 5, resetTimeoutMs: 30_000 } },
      { id: 'b', baseUrl: 'https://b.example/r4', ...DEFAULT_SOURCE, resourceTypes: null, headers: {}, auth: { type: 'none' }, circuitBreaker: DEFAULT_CIRCUIT_BREAKER },
    ]);
  });

  it('command-line sources are added after the file\'s', () => {
    const files = { '/work/gw.json': { sources: [{ id: 'file', baseUrl: 'https://f.example', retries: 0, headers: { 'X-Api-Key': 'k' } }] } };
    const config = load(['-c', 'gw.json', '--source', 'cli=https://c.example'], {}, files);
    expect(config.sources.map((s) => s.id)).toEqual(['file', 'cli']);
    expect(config.sources[0]).toMatchObject({ retries: 0, timeoutMs: 10_000, headers: { 'x-api-key': 'k' } });
  });

  it('a duplicate id across file and command line is an error', () => {
    const files = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://f.example' }] } };
    expect(problemsOf(() => load(['-c', 'gw.json', '--source', 'a=https://c.example'], {}, files))).toEqual([
      '--source #1: source id "a" is already used by config file gw.json: sources[0] (ids must be unique)',
    ]);
  });

  it('duplicate ids and base URLs inside the file are errors', () => {
    const files = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://x.example/' }, { id: 'a', baseUrl: 'https://X.example' }] } };
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, files))).toEqual([
      'config file gw.json: sources[1].id: source id "a" is already used by sources[0] (ids must be unique)',
      'config file gw.json: sources[1].baseUrl: base URL is the same as sources[0]\'s (each source needs its own base URL)',
    ]);
  });

  it('bearerTokenEnv reads the token from the environment', () => {
    const files = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example', bearerTokenEnv: 'A_TOKEN' }] } };
    const config = load(['-c', 'gw.json'], { A_TOKEN: 'tok-123' }, files);
    expect(config.sources[0]?.auth).toEqual({ type: 'bearer', token: 'tok-123' });
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, files))).toEqual([
      'config file gw.json: sources[0].bearerTokenEnv: environment variable A_TOKEN is not set (or is empty)',
    ]);
  });

  it('bearerToken inline, and not together with bearerTokenEnv or an authorization header', () => {
    const ok = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example', bearerToken: 'inline' }] } };
    expect(load(['-c', 'gw.json'], {}, ok).sources[0]?.auth).toEqual({ type: 'bearer', token: 'inline' });
    const bad = { '/work/gw.json': { sources: [
      { id: 'a', baseUrl: 'https://a.example', bearerToken: 't', bearerTokenEnv: 'T' },
      { id: 'b', baseUrl: 'https://b.example', bearerToken: 't', headers: { Authorization: 'Basic x' } },
    ] } };
    expect(problemsOf(() => load(['-c', 'gw.json'], { T: 'x' }, bad))).toEqual([
      'config file gw.json: sources[0].bearerToken: give either bearerToken or bearerTokenEnv, not both',
      'config file gw.json: sources[1].headers: must not set authorization together with bearerToken / bearerTokenEnv',
    ]);
  });

  it('resourceTypes: PascalCase, unique, non-empty; null means all', () => {
    const files = { '/work/gw.json': { sources: [
      { id: 'a', baseUrl: 'https://a.example', resourceTypes: ['Patient', 'Observation'] },
      { id: 'b', baseUrl: 'https://b.example', resourceTypes: null },
    ] } };
    expect(load(['-c', 'gw.json'], {}, files).sources.map((s) => s.resourceTypes)).toEqual([['Patient', 'Observation'], null]);
    const bad = { '/work/gw.json': { sources: [
      { id: 'a', baseUrl: 'https://a.example', resourceTypes: ['patient', 'Patient', 'Patient', 3] },
      { id: 'b', baseUrl: 'https://b.example', resourceTypes: [] },
    ] } };
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, bad))).toEqual([
      'config file gw.json: sources[0].resourceTypes[0]: must be a FHIR resource type name in PascalCase, e.g. Patient (got "patient")',
      'config file gw.json: sources[0].resourceTypes[2]: repeats Patient',
      'config file gw.json: sources[0].resourceTypes[3]: must be a FHIR resource type name in PascalCase, e.g. Patient (got 3)',
      'config file gw.json: sources[1].resourceTypes: must be a non-empty array of resource type names, or null for all the source supports (got an empty array)',
    ]);
  });
});

describe('problems', () => {
  it('reports every problem of every layer in one ConfigError', () => {
    const files = { '/work/gw.json': {
      port: 70000,
      logLevel: 'verbose',
      graphiql: 'yes',
      limits: { maxDepth: 0, maxCount: 10, requestTimeoutMs: 1.5 },
      demo: { patients: -1 },
      sources: [
        { id: 'Bad_Id', baseUrl: 'ftp://x.example', timeoutMs: 0, retries: 11 },
        { baseUrl: 'https://ok.example?x=1' },
        'not an object',
      ],
    } };
    let error: unknown;
    try {
      load(['-c', 'gw.json', '--port', 'eighty', '--source', 'nope', '--source', 'UP=http://u', '--bogus', 'x'], { PORT: '-1', HOST: 'http://h', LOG_LEVEL: 'loud' }, files);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      '--source #1: expected ID=BASE_URL, e.g. --source hapi=https://hapi.fhir.org/baseR4',
      '--bogus: unknown option (see --help)',
      'config file gw.json: port: must be an integer between 0 and 65535 (got 70000)',
      'config file gw.json: logLevel: must be one of debug, info, warn, error, silent (got "verbose")',
      'config file gw.json: graphiql: must be true or false (got "yes")',
      'config file gw.json: demo.patients: must be an integer between 0 and 100000 (got -1)',
      'config file gw.json: limits.maxDepth: must be an integer between 1 and 1000 (got 0)',
      'config file gw.json: limits.requestTimeoutMs: must be an integer between 1 and 600000 (got 1.5)',
      'config file gw.json: sources[0].id: must be a slug: a lower-case letter, then up to 31 lower-case letters, digits or \'-\' (got "Bad_Id")',
      'config file gw.json: sources[0].baseUrl: must use http or https (got "ftp://x.example")',
      'config file gw.json: sources[0].timeoutMs: must be an integer between 1 and 600000 (got 0)',
      'config file gw.json: sources[0].retries: must be an integer between 0 and 10 (got 11)',
      'config file gw.json: sources[1].id: is required: a slug such as "hapi"',
      'config file gw.json: sources[1].baseUrl: must not have a query string (got "https://ok.example?x=1")',
      'config file gw.json: sources[2]: must be an object (got a string)',
      'HOST: must be a host name or IP address, not a URL (got "http://h")',
      'PORT: must be an integer between 0 and 65535 (got "-1")',
      'LOG_LEVEL: must be one of debug, info, warn, error, silent (got "loud")',
      '--port: must be an integer between 0 and 65535 (got "eighty")',
      'config file gw.json: limits.maxCount: must be at least limits.defaultCount (20, the default) (got 10)',
      '--source #2: id must be a slug: a lower-case letter, then up to 31 lower-case letters, digits or \'-\' (got "UP")',
    ]);
    expect(message).toBe(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  it('reports unknown keys at every level with their JSON path and a suggestion', () => {
    const files = { '/work/gw.json': {
      prot: 1,
      limits: { maxdepth: 3, something: 1 },
      demo: { seeds: 2 },
      sources: [{ id: 'a', baseUrl: 'https://a.example' }, { id: 'b', baseUrl: 'https://b.example', timeout: 5, bearer_token: 'x' }],
    } };
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, files))).toEqual([
      'config file gw.json: prot: unknown key (did you mean port?)',
      'config file gw.json: demo.seeds: unknown key (did you mean seed?)',
      'config file gw.json: limits.maxdepth: unknown key (did you mean maxDepth?)',
      'config file gw.json: limits.something: unknown key (expected one of: maxDepth, maxAliases, maxCost, defaultCount, maxCount, requestTimeoutMs, maxUrlLength, maxDocumentBytes, maxDocumentTokens, maxDocumentNesting, maxBodyBytes, maxJsonDepth, maxSearchValueLength, maxSearchValues, maxIntrospectionDepth, fhirpathTimeoutMs, maxSubscriptionBacklog)',
      'config file gw.json: sources[1].timeout: unknown key (did you mean timeoutMs?)',
      'config file gw.json: sources[1].bearer_token: unknown key (did you mean bearerToken?)',
    ]);
  });

  it('defaultCount above maxCount is reported at defaultCount when the file sets it', () => {
    const files = { '/work/gw.json': { limits: { defaultCount: 600 } } };
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, files))).toEqual([
      'config file gw.json: limits.defaultCount: must not exceed limits.maxCount (500) (got 600)',
    ]);
  });

  it('an unreadable file, an unparseable file, a non-object file', () => {
    expect(problemsOf(() => load(['-c', 'missing.json']))).toEqual([
      'config file missing.json (from --config): cannot be read: ENOENT: no such file or directory, open \'/work/missing.json\'',
    ]);
    expect(problemsOf(() => load([], { GATEWAY_CONFIG: 'broken.json' }, { '/work/broken.json': '{"port": 1,}' }))).toEqual([
      'config file broken.json (from GATEWAY_CONFIG): is not valid JSON: Expected double-quoted property name in JSON at position 11 (line 1 column 12)',
    ]);
    expect(problemsOf(() => load(['-c', 'a.json'], {}, { '/work/a.json': [] }))).toEqual([
      'config file a.json: must contain a JSON object (got an array)',
    ]);
    expect(problemsOf(() => load(['--config='], {}))).toEqual([
      '--config: must be the path of a JSON config file (got an empty string)',
    ]);
  });

  it('accepts a byte-order mark and a $schema key', () => {
    const files = { '/work/gw.json': `\uFEFF${JSON.stringify({ $schema: './s.json', port: 1 })}` };
    expect(load(['-c', 'gw.json'], {}, files).port).toBe(1);
  });

  it('rejects header names the HTTP client owns, invalid names, non-string values and names given twice', () => {
    const files = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example', headers: {
      Host: 'x', 'bad name': 'x', 'x-n': 5, 'X-Key': 'a', 'x-key': 'b',
    } }] } };
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, files))).toEqual([
      'config file gw.json: sources[0].headers.Host: is managed by the HTTP client and cannot be configured',
      'config file gw.json: sources[0].headers["bad name"]: is not a valid HTTP header name',
      'config file gw.json: sources[0].headers.x-n: must be a string (got a number)',
      'config file gw.json: sources[0].headers.x-key: is given twice (header names are case-insensitive)',
    ]);
  });
});

describe('secrets never appear in messages', () => {
  const SECRETS = ['tok-SECRET-1', 'hdr-SECRET-2', 'env-SECRET-3', 'pw-SECRET-4'];

  it.each([
    ['bad token characters', { sources: [{ id: 'a', baseUrl: 'https://a.example', bearerToken: `${SECRETS[0]} \n` }] }, {}],
    ['token with bearerTokenEnv too', { sources: [{ id: 'a', baseUrl: 'https://a.example', bearerToken: SECRETS[0], bearerTokenEnv: 'E' }] }, { E: SECRETS[2] }],
    ['env token with spaces', { sources: [{ id: 'a', baseUrl: 'https://a.example', bearerTokenEnv: 'E' }] }, { E: `${SECRETS[2]} x` }],
    ['header value with CRLF', { sources: [{ id: 'a', baseUrl: 'https://a.example', headers: { 'x-key': `${SECRETS[1]}\r\nx: y` } }] }, {}],
    ['authorization header plus token', { sources: [{ id: 'a', baseUrl: 'https://a.example', bearerToken: SECRETS[0], headers: { authorization: SECRETS[1] } }] }, {}],
    ['credentials in the base URL', { sources: [{ id: 'a', baseUrl: `https://user:${SECRETS[3]}@a.example/fhir` }] }, {}],
    ['token of a source with other problems', { sources: [{ id: 'A', baseUrl: 'nope', bearerToken: SECRETS[0], headers: { 'x-k': SECRETS[1] }, timeout: 1 }] }, {}],
  ])('%s', (_name, file, env) => {
    const problems = problemsOf(() => load(['-c', 'gw.json'], env, { '/work/gw.json': file }));
    expect(problems.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(problems.join('\n')).not.toContain(secret);
  });

  it('a JSON syntax error near a token does not quote the file', () => {
    const problems = problemsOf(() => load(['-c', 'gw.json'], {}, { '/work/gw.json': `{"sources": [{"bearerToken": ${SECRETS[0]}}]}` }));
    expect(problems).toEqual(['config file gw.json (from --config): is not valid JSON: Unexpected token (excerpt of the file omitted)']);
  });
});

describe('the result', () => {
  it('is deeply frozen', () => {
    const files = { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example', resourceTypes: ['Patient'], headers: { 'x-k': 'v' }, bearerToken: 't' }] } };
    const config = load(['-c', 'gw.json'], {}, files);
    const source = config.sources[0];
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sources)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(Object.isFrozen(config.demo)).toBe(true);
    expect(Object.isFrozen(source)).toBe(true);
    expect(Object.isFrozen(source?.headers)).toBe(true);
    expect(Object.isFrozen(source?.resourceTypes)).toBe(true);
    expect(Object.isFrozen(source?.auth)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('does not share objects between calls', () => {
    const a = load(['--source', 'a=https://a.example']);
    const b = load(['--source', 'a=https://a.example']);
    expect(a.limits).not.toBe(b.limits);
    expect(a.sources[0]?.headers).not.toBe(b.sources[0]?.headers);
  });
});

describe('--help', () => {
  it('throws HelpRequested carrying the usage text, even alongside other problems', () => {
    for (const argv of [['--help'], ['-h'], ['--port', 'x', '--nope', '--help']]) {
      let error: unknown;
      try {
        load(argv, { PORT: 'bad' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HelpRequested);
      expect((error as HelpRequested).usage).toBe(usage);
    }
    expect(usage).toContain('--source ID=BASE_URL');
  });
});
