import { describe, expect, it } from 'vitest';
import { usage } from '../../src/config/load-config.ts';
import { BOUNDS, DEFAULT_LIMITS } from '../../src/config/defaults.ts';
import { parseArgs } from '../../src/config/parse-args.ts';
import { load, problemsOf } from './helpers.ts';

const withFile = (json: unknown): Record<string, unknown> => ({ '/work/gw.json': json });
const fromFile = (json: unknown, argv: string[] = [], env: Record<string, string> = {}) => load(['-c', 'gw.json', ...argv], env, withFile(json));
const problemsFromFile = (json: unknown, argv: string[] = [], env: Record<string, string> = {}) =>
  problemsOf(() => fromFile(json, argv, env));

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=='; // 48 bytes

describe('limits: documents, bodies, JSON, search values, introspection, FHIRPath', () => {
  const NEW_LIMITS = [
    'maxDocumentBytes', 'maxDocumentTokens', 'maxDocumentNesting', 'maxBodyBytes', 'maxJsonDepth', 'maxSearchValueLength',
    'maxSearchValues', 'maxIntrospectionDepth', 'fhirpathTimeoutMs', 'maxSubscriptionBacklog',
  ] as const;

  it('have the documented defaults', () => {
    expect(load().limits).toMatchObject({
      maxDocumentBytes: 102_400, maxDocumentTokens: 10_000, maxDocumentNesting: 64, maxBodyBytes: 16 * 1024 * 1024,
      maxJsonDepth: 100, maxSearchValueLength: 1024, maxSearchValues: 100, maxIntrospectionDepth: 15, fhirpathTimeoutMs: 1000,
      maxSubscriptionBacklog: 1000,
    });
    expect(DEFAULT_LIMITS.maxDocumentBytes).toBeLessThan(1024 * 1024);
  });

  it('accept their bounds from the file, each merged with the other defaults', () => {
    for (const key of NEW_LIMITS) {
      for (const value of [BOUNDS.limits[key].min, BOUNDS.limits[key].max]) {
        // maxBodyBytes at its minimum needs a document limit no larger
        const extra = key === 'maxBodyBytes' ? { maxDocumentBytes: 1024 } : key === 'maxDocumentBytes' ? { maxBodyBytes: 1_048_576 } : {};
        const config = fromFile({ limits: { [key]: value, ...extra } });
        expect(config.limits).toEqual({ ...DEFAULT_LIMITS, ...extra, [key]: value });
      }
    }
  });

  it('report each value out of range, or not an integer, with its path', () => {
    const limits = {
      maxDocumentBytes: 1023, maxDocumentTokens: 100_001, maxDocumentNesting: 9, maxBodyBytes: 2 ** 31, maxJsonDepth: 7,
      maxSearchValueLength: '1024', maxSearchValues: 0, maxIntrospectionDepth: 1.5, fhirpathTimeoutMs: 60_001, maxSubscriptionBacklog: 0,
    };
    expect(problemsFromFile({ limits })).toEqual([
      'config file gw.json: limits.maxDocumentBytes: must be an integer between 1024 and 1048576 (got 1023)',
      'config file gw.json: limits.maxDocumentTokens: must be an integer between 100 and 100000 (got 100001)',
      'config file gw.json: limits.maxDocumentNesting: must be an integer between 10 and 1000 (got 9)',
      'config file gw.json: limits.maxBodyBytes: must be an integer between 1024 and 1073741824 (got 2147483648)',
      'config file gw.json: limits.maxJsonDepth: must be an integer between 8 and 1000 (got 7)',
      'config file gw.json: limits.maxSearchValueLength: must be an integer between 64 and 65536 (got "1024")',
      'config file gw.json: limits.maxSearchValues: must be an integer between 1 and 10000 (got 0)',
      'config file gw.json: limits.maxIntrospectionDepth: must be an integer between 1 and 100 (got 1.5)',
      'config file gw.json: limits.fhirpathTimeoutMs: must be an integer between 1 and 60000 (got 60001)',
      'config file gw.json: limits.maxSubscriptionBacklog: must be an integer between 1 and 1000000 (got 0)',
    ]);
  });

  it('maxBodyBytes must hold a document of maxDocumentBytes; reported at the key the file set', () => {
    expect(problemsFromFile({ limits: { maxBodyBytes: 4096, maxDocumentBytes: 8192 } })).toEqual([
      'config file gw.json: limits.maxBodyBytes: must be at least limits.maxDocumentBytes (8192): a GraphQL body holds the document (got 4096)',
    ]);
    expect(problemsFromFile({ limits: { maxBodyBytes: 4096 } })).toEqual([
      'config file gw.json: limits.maxBodyBytes: must be at least limits.maxDocumentBytes (102400): a GraphQL body holds the document (got 4096)',
    ]);
    expect(fromFile({ limits: { maxBodyBytes: 102_400 } }).limits.maxBodyBytes).toBe(102_400);
  });
});

describe('introspection', () => {
  it('defaults to on, off in production with sources, on in the production demo (no sources)', () => {
    expect(load().introspection).toBe(true);
    expect(load(['--source', 'a=https://a.example']).introspection).toBe(true);
    expect(load(['--source', 'a=https://a.example'], { NODE_ENV: 'production' }).introspection).toBe(false);
    expect(fromFile({ sources: [{ id: 'a', baseUrl: 'https://a.example' }] }, [], { NODE_ENV: 'production' }).introspection).toBe(false);
    expect(load([], { NODE_ENV: 'production' }).introspection).toBe(true);
  });

  it('the file sets it; --introspection on|off (any case) overrides the file', () => {
    const prod = { NODE_ENV: 'production' };
    expect(fromFile({ introspection: true, sources: [{ id: 'a', baseUrl: 'https://a.example' }] }, [], prod).introspection).toBe(true);
    expect(fromFile({ introspection: false }).introspection).toBe(false);
    expect(fromFile({ introspection: false }, ['--introspection', 'ON']).introspection).toBe(true);
    expect(load(['--source', 'a=https://a.example', '--introspection=on'], prod).introspection).toBe(true);
    expect(load(['--introspection', 'off']).introspection).toBe(false);
  });

  it('reports a non-boolean in the file and anything but on/off on the command line', () => {
    expect(problemsFromFile({ introspection: 'off' }, ['--introspection', 'yes'])).toEqual([
      'config file gw.json: introspection: must be true or false (got "off")',
      '--introspection: must be on or off (got "yes")',
    ]);
    expect(parseArgs(['--introspection']).problems).toEqual(['--introspection: missing value (expected --introspection on|off)']);
  });
});

describe('cors', () => {
  it('defaults to no origins, no credentials, 600 s preflight cache', () => {
    expect(load().cors).toEqual({ origins: [], credentials: false, maxAgeS: 600 });
  });

  it('normalises origins (lower case, punycode, no default port, an optional trailing slash) and keeps the order', () => {
    const origins = ['HTTPS://App.Example.ORG:443', 'http://localhost:3000/', 'http://[::1]:8080', 'https://bücher.example'];
    expect(fromFile({ cors: { origins, credentials: true, maxAgeS: 0 } }).cors).toEqual({
      origins: ['https://app.example.org', 'http://localhost:3000', 'http://[::1]:8080', 'https://xn--bcher-kva.example'],
      credentials: true,
      maxAgeS: 0,
    });
  });

  it('--cors-origin adds to the file\'s origins; a repeat counts once', () => {
    const config = fromFile({ cors: { origins: ['https://a.example'] } }, ['--cors-origin', 'https://b.example', '--cors-origin', 'https://A.example:443']);
    expect(config.cors.origins).toEqual(['https://a.example', 'https://b.example']);
    expect(load(['--cors-origin', 'http://localhost:5173']).cors).toEqual({ origins: ['http://localhost:5173'], credentials: false, maxAgeS: 600 });
  });

  it('refuses "null", wildcards, paths, queries, credentials, other schemes and repeats, each with its path', () => {
    const origins = [
      'null', 'https://*.example.org', 'https://a.example/app', 'https://a.example?x=1', 'https://user@a.example', 'ftp://a.example',
      'a.example', 42, 'https://ok.example', 'https://OK.example/',
    ];
    expect(problemsFromFile({ cors: { origins, credentials: 'no', maxAgeS: 86_401, allowHeaders: [] } })).toEqual([
      'config file gw.json: cors.allowHeaders: unknown key (expected one of: origins, credentials, maxAgeS)',
      'config file gw.json: cors.origins[0]: must not be "null": that is the origin of sandboxed iframes, file: pages and redirected requests, so allowing it would let any such document in',
      'config file gw.json: cors.origins[1]: must be an exact origin: wildcards are not supported, list each origin (got "https://*.example.org")',
      'config file gw.json: cors.origins[2]: must be an origin: scheme://host[:port], without credentials, path, query or fragment (got "https://a.example/app")',
      'config file gw.json: cors.origins[3]: must be an origin: scheme://host[:port], without credentials, path, query or fragment (got "https://a.example?x=1")',
      'config file gw.json: cors.origins[4]: must be an origin: scheme://host[:port], without credentials, path, query or fragment (got "https://user@a.example")',
      'config file gw.json: cors.origins[5]: must be an origin such as "https://app.example.org" or "http://localhost:3000" (got "ftp://a.example")',
      'config file gw.json: cors.origins[6]: must be an origin such as "https://app.example.org" or "http://localhost:3000" (got "a.example")',
      'config file gw.json: cors.origins[7]: must be an origin such as "https://app.example.org" or "http://localhost:3000" (got 42)',
      'config file gw.json: cors.origins[9]: repeats "https://ok.example"',
      'config file gw.json: cors.credentials: must be true or false (got "no")',
      'config file gw.json: cors.maxAgeS: must be an integer between 0 and 86400 (got 86401)',
    ]);
    expect(problemsOf(() => load(['--cors-origin', 'null', '--cors-origin', 'https://x.example/path']))).toEqual([
      '--cors-origin #1: must not be "null": that is the origin of sandboxed iframes, file: pages and redirected requests, so allowing it would let any such document in',
      '--cors-origin #2: must be an origin: scheme://host[:port], without credentials, path, query or fragment (got "https://x.example/path")',
    ]);
    expect(problemsFromFile({ cors: { origins: 'https://a.example' } })).toEqual([
      'config file gw.json: cors.origins: must be an array of origins (got a string)',
    ]);
    expect(problemsFromFile({ cors: [] })).toEqual(['config file gw.json: cors: must be an object (got an array)']);
  });

  it('allows "*" alone without credentials; refuses it with credentials or beside other origins', () => {
    expect(fromFile({ cors: { origins: ['*'] } }).cors.origins).toEqual(['*']);
    expect(load(['--cors-origin', '*']).cors.origins).toEqual(['*']);
    expect(problemsFromFile({ cors: { origins: ['*'], credentials: true } })).toEqual([
      'config file gw.json: cors.origins[0]: "*" cannot be used with cors.credentials true (browsers refuse it; any site could act with the user\'s credentials): list the allowed origins instead',
    ]);
    expect(problemsFromFile({ cors: { origins: ['https://a.example'], credentials: true } }, ['--cors-origin', '*'])).toEqual([
      '--cors-origin #1: "*" allows every origin and cannot be combined with other origins: give either "*" or a list of origins',
      '--cors-origin #1: "*" cannot be used with cors.credentials true (browsers refuse it; any site could act with the user\'s credentials): list the allowed origins instead',
    ]);
  });
});

describe('publicBaseUrl', () => {
  it('defaults to null; normalised like a source base URL; --public-url overrides the file', () => {
    expect(load().publicBaseUrl).toBeNull();
    expect(fromFile({ publicBaseUrl: 'HTTPS://Gateway.Example.org:443/api/' }).publicBaseUrl).toBe('https://gateway.example.org/api');
    expect(fromFile({ publicBaseUrl: 'https://a.example' }, ['--public-url', 'http://b.example:8080/']).publicBaseUrl).toBe('http://b.example:8080');
  });

  it('refuses relative URLs, other schemes, queries, fragments and credentials (not echoed)', () => {
    expect(problemsFromFile({ publicBaseUrl: '/fhir' }, ['--public-url', 'https://gw.example/?x=1'])).toEqual([
      'config file gw.json: publicBaseUrl: must be an absolute http(s) URL (got "/fhir")',
      '--public-url: must not have a query string (got "https://gw.example/?x=1")',
    ]);
    expect(problemsOf(() => load(['--public-url', 'ftp://gw.example']))).toEqual(['--public-url: must use http or https (got "ftp://gw.example")']);
    expect(problemsOf(() => load(['--public-url', 'https://gw.example/#top']))).toEqual(['--public-url: must not have a fragment (got "https://gw.example/#top")']);
    const problems = problemsOf(() => load(['--public-url', 'https://u:pw-SECRET@gw.example']));
    expect(problems).toEqual(['--public-url: must not contain credentials (user:password@)']);
  });
});

describe('trustedProxies', () => {
  it('defaults to none; takes IPv4 / IPv6 addresses and CIDR blocks, IPv6 normalised', () => {
    expect(load().trustedProxies).toEqual([]);
    const proxies = ['10.0.0.5', '10.0.0.0/8', '::1', '2001:DB8:0:0::1', 'FD00::/8', '192.168.1.0/32'];
    expect(fromFile({ trustedProxies: proxies }).trustedProxies).toEqual(['10.0.0.5', '10.0.0.0/8', '::1', '2001:db8::1', 'fd00::/8', '192.168.1.0/32']);
  });

  it('refuses host names, bad prefixes, /0, zone ids, leading zeros and repeats, with their index', () => {
    const proxies = ['proxy.local', '10.0.0.0/33', '::/0', 'fe80::1%eth0', '010.0.0.1', '10.0.0.0/x', 7, '::1', '0:0::1'];
    expect(problemsFromFile({ trustedProxies: proxies })).toEqual([
      'config file gw.json: trustedProxies[0]: must be an IP address or CIDR block, e.g. "10.0.0.5", "::1" or "10.0.0.0/8" (got "proxy.local")',
      'config file gw.json: trustedProxies[1]: must have a prefix length between 1 and 32 after the / (got "10.0.0.0/33")',
      'config file gw.json: trustedProxies[2]: must not be a /0 block: it would trust forwarding headers from every address (got "::/0")',
      'config file gw.json: trustedProxies[3]: must be an IP address or CIDR block, e.g. "10.0.0.5", "::1" or "10.0.0.0/8" (got "fe80::1%eth0")',
      'config file gw.json: trustedProxies[4]: must be an IP address or CIDR block, e.g. "10.0.0.5", "::1" or "10.0.0.0/8" (got "010.0.0.1")',
      'config file gw.json: trustedProxies[5]: must have a prefix length between 1 and 32 after the / (got "10.0.0.0/x")',
      'config file gw.json: trustedProxies[6]: must be an IP address or CIDR block, e.g. "10.0.0.5", "::1" or "10.0.0.0/8" (got 7)',
      'config file gw.json: trustedProxies[8]: repeats "::1"',
    ]);
    expect(problemsFromFile({ trustedProxies: '10.0.0.1' })).toEqual([
      'config file gw.json: trustedProxies: must be an array of IP addresses or CIDR blocks (got a string)',
    ]);
  });
});

describe('cursorSecret', () => {
  it('is null when unset; comes from GATEWAY_CURSOR_SECRET or the variable the file names', () => {
    expect(load().cursorSecret).toBeNull();
    expect(load([], { GATEWAY_CURSOR_SECRET: SECRET }).cursorSecret).toBe(SECRET);
    expect(fromFile({ cursorSecretEnv: 'MY_CURSOR_KEY' }, [], { MY_CURSOR_KEY: SECRET }).cursorSecret).toBe(SECRET);
  });

  it('GATEWAY_CURSOR_SECRET overrides the file (environment over file)', () => {
    const other = 'x'.repeat(32);
    expect(fromFile({ cursorSecretEnv: 'MY_CURSOR_KEY' }, [], { MY_CURSOR_KEY: SECRET, GATEWAY_CURSOR_SECRET: other }).cursorSecret).toBe(other);
  });

  it('needs at least 32 bytes of visible ASCII; an unset or badly named variable is reported; the value never is', () => {
    const short = 'short-SECRET-value-31-bytes-lon'; // 31
    expect(short.length).toBe(31);
    const spaced = `${SECRET} x`;
    const problems = [
      ...problemsOf(() => load([], { GATEWAY_CURSOR_SECRET: short })),
      ...problemsFromFile({ cursorSecretEnv: 'K' }, [], { K: spaced }),
      ...problemsFromFile({ cursorSecretEnv: 'UNSET_KEY' }),
      ...problemsFromFile({ cursorSecretEnv: 'not a name' }),
      ...problemsFromFile({ cursorSecretEnv: 3 }),
    ];
    expect(problems).toEqual([
      'GATEWAY_CURSOR_SECRET: must be at least 32 bytes long, e.g. the output of `openssl rand -base64 48` (got 31; value not shown)',
      'config file gw.json: cursorSecretEnv: environment variable K must contain only visible ASCII characters, without spaces (value not shown)',
      'config file gw.json: cursorSecretEnv: environment variable UNSET_KEY is not set (or is empty)',
      'config file gw.json: cursorSecretEnv: must be the name of an environment variable, e.g. "GATEWAY_CURSOR_SECRET" (got a string that is not one, not shown in case it is the secret itself)',
      'config file gw.json: cursorSecretEnv: must be the name of an environment variable, e.g. "GATEWAY_CURSOR_SECRET" (got a number)',
    ]);
    for (const p of problems) {
      expect(p).not.toContain('SECRET-value');
      expect(p).not.toContain(SECRET);
    }
    expect(load([], { GATEWAY_CURSOR_SECRET: 'y'.repeat(32) }).cursorSecret).toHaveLength(32);
  });

  it('an empty GATEWAY_CURSOR_SECRET counts as unset', () => {
    expect(load([], { GATEWAY_CURSOR_SECRET: '' }).cursorSecret).toBeNull();
  });
});

describe('the new settings in the result and the usage text', () => {
  it('are deeply frozen', () => {
    const config = fromFile({ cors: { origins: ['https://a.example'] }, trustedProxies: ['10.0.0.1'], publicBaseUrl: 'https://gw.example' });
    expect(Object.isFrozen(config.cors)).toBe(true);
    expect(Object.isFrozen(config.cors.origins)).toBe(true);
    expect(Object.isFrozen(config.trustedProxies)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(() => {
      (config.cors.origins as string[]).push('https://evil.example');
    }).toThrow(TypeError);
    expect(() => {
      (config as { introspection: boolean }).introspection = true;
    }).toThrow(TypeError);
  });

  it('does not share the default cors object between calls', () => {
    expect(load().cors).not.toBe(load().cors);
  });

  it('usage names the new flags and the environment variable', () => {
    for (const word of ['--introspection on|off', '--cors-origin ORIGIN', '--public-url URL', 'GATEWAY_CURSOR_SECRET']) {
      expect(usage).toContain(word);
    }
  });

  it('parseArgs reads --introspection, --public-url (last wins) and repeated --cors-origin, numbered', () => {
    const { values, problems } = parseArgs([
      '--introspection', 'off', '--public-url=https://a.example', '--public-url', 'https://b.example',
      '--cors-origin', 'https://x.example', '--cors-origin=https://y.example',
    ]);
    expect(problems).toEqual([]);
    expect(values).toMatchObject({
      introspection: 'off',
      publicUrl: 'https://b.example',
      corsOrigins: [
        { value: 'https://x.example', where: '--cors-origin #1' },
        { value: 'https://y.example', where: '--cors-origin #2' },
      ],
    });
    expect(parseArgs(['--cors-origin']).problems).toEqual(['--cors-origin: missing value (expected --cors-origin ORIGIN)']);
  });
});
