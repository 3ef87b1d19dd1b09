// The `auth` settings (SMART on FHIR resource server) in every form — config file, GATEWAY_AUTH_* and --auth-* — and the
// rule that keeps a gateway without auth off the network unless --insecure-no-auth / GATEWAY_INSECURE_NO_AUTH.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load-config.ts';
import { ConfigError, usage } from '../../src/config/load-config.ts';
import { isLoopbackHost } from '../../src/config/access-checks.ts';
import { parseArgs } from '../../src/config/parse-args.ts';
import { load, problemsOf } from './helpers.ts';

const ISSUER = 'https://auth.example.org/realms/fhir';
const SECRET = 'intro-SECRET-value-42';
const OPEN = 'the gateway would serve health data to the network with no authentication; configure auth '
  + '(--auth-issuer URL, or "auth" in the config file) or pass --insecure-no-auth (GATEWAY_INSECURE_NO_AUTH=1)';
const HTTPS_ONLY = 'must use https: tokens and keys travel over it (http is accepted for loopback hosts only';

type Env = Readonly<Record<string, string | undefined>>;

/** loadConfig with `file` as gw.json. */
function fromFile(file: Record<string, unknown>, argv: readonly string[] = [], env: Env = {}): Config {
  return load(['-c', 'gw.json', ...argv], env, { '/work/gw.json': file });
}

function problemsFromFile(file: Record<string, unknown>, argv: readonly string[] = [], env: Env = {}): readonly string[] {
  return problemsOf(() => fromFile(file, argv, env));
}

const introspection = { endpoint: 'https://auth.example.org/introspect', clientId: 'gateway', clientSecretEnv: 'AUTH_CLIENT_SECRET' };

describe('auth: defaults', () => {
  it('is null, and insecureNoAuth false, when nothing configures it', () => {
    const config = load();
    expect(config.auth).toBeNull();
    expect(config.insecureNoAuth).toBe(false);
  });

  it('an issuer alone gives audience, jwksUri and introspection null and clockSkewS 60', () => {
    const expected = { issuer: ISSUER, audience: null, jwksUri: null, clockSkewS: 60, introspection: null };
    expect(fromFile({ auth: { issuer: ISSUER } }).auth).toEqual(expected);
    expect(load(['--auth-issuer', ISSUER]).auth).toEqual(expected);
    expect(load([], { GATEWAY_AUTH_ISSUER: ISSUER }).auth).toEqual(expected);
  });

  it('empty GATEWAY_AUTH_* and GATEWAY_INSECURE_NO_AUTH variables count as unset', () => {
    const config = load([], { GATEWAY_AUTH_ISSUER: '', GATEWAY_AUTH_AUDIENCE: '', GATEWAY_INSECURE_NO_AUTH: '' });
    expect(config.auth).toBeNull();
    expect(config.insecureNoAuth).toBe(false);
  });
});

describe('auth: the config file', () => {
  it('reads every key; the client secret comes from the variable clientSecretEnv names', () => {
    const file = {
      auth: { issuer: ISSUER, audience: 'https://gw.example.org/fhir', jwksUri: 'https://auth.example.org/certs', clockSkewS: 0, introspection },
    };
    expect(fromFile(file, [], { AUTH_CLIENT_SECRET: SECRET }).auth).toEqual({
      issuer: ISSUER,
      audience: 'https://gw.example.org/fhir',
      jwksUri: 'https://auth.example.org/certs',
      clockSkewS: 0,
      introspection: { endpoint: 'https://auth.example.org/introspect', clientId: 'gateway', clientSecret: SECRET },
    });
    expect(fromFile({ auth: { issuer: ISSUER, clockSkewS: 300 } }).auth?.clockSkewS).toBe(300);
  });

  it('keeps the issuer and audience exactly as given (compared byte for byte with iss / aud), not normalised', () => {
    const issuer = 'HTTPS://Auth.Example.ORG:443/realms/FHIR/';
    const audience = 'https://GW.example.org:443/fhir/?x=1';
    expect(fromFile({ auth: { issuer, audience } }).auth).toMatchObject({ issuer, audience });
    expect(load(['--auth-issuer', issuer, '--auth-audience', audience]).auth).toMatchObject({ issuer, audience });
    expect(load([], { GATEWAY_AUTH_ISSUER: issuer, GATEWAY_AUTH_AUDIENCE: audience }).auth).toMatchObject({ issuer, audience });
  });

  it('accepts http for loopback hosts only', () => {
    for (const url of ['http://localhost:8080/realms/x', 'http://LOCALHOST', 'http://127.0.0.1:9000', 'http://127.5.6.7/', 'http://[::1]:8443/x']) {
      expect(fromFile({ auth: { issuer: url, audience: url, jwksUri: url } }).auth, url).toMatchObject({ issuer: url, audience: url, jwksUri: url });
    }
    for (const url of ['http://auth.example.org', 'http://10.0.0.1', 'http://localhost.example.org', 'http://[::2]', 'http://0.0.0.0']) {
      expect(problemsFromFile({ auth: { issuer: url } }), url).toEqual([
        `config file gw.json: auth.issuer: ${HTTPS_ONLY}; got ${JSON.stringify(url)})`,
      ]);
    }
  });

  it('reports http on a non-loopback host for every URL key', () => {
    const file = { auth: {
      issuer: 'http://auth.example.org',
      audience: 'http://gw.example.org/fhir',
      jwksUri: 'http://auth.example.org/certs',
      introspection: { ...introspection, endpoint: 'http://auth.example.org/introspect' },
    } };
    expect(problemsFromFile(file, [], { AUTH_CLIENT_SECRET: SECRET })).toEqual([
      `config file gw.json: auth.issuer: ${HTTPS_ONLY}; got "http://auth.example.org")`,
      `config file gw.json: auth.audience: ${HTTPS_ONLY}; got "http://gw.example.org/fhir")`,
      `config file gw.json: auth.jwksUri: ${HTTPS_ONLY}; got "http://auth.example.org/certs")`,
      `config file gw.json: auth.introspection.endpoint: ${HTTPS_ONLY}; got "http://auth.example.org/introspect")`,
    ]);
  });

  it('reports URLs that are not absolute http(s), have a fragment, white space, credentials, or (issuer) a query', () => {
    const file = { auth: {
      issuer: 'https://auth.example.org/realms/fhir?tenant=1',
      audience: 'https://gw.example.org/fhir#x',
      jwksUri: 'ftp://auth.example.org/certs',
      introspection: { ...introspection, endpoint: 'auth.example.org/introspect' },
    } };
    expect(problemsFromFile(file, [], { AUTH_CLIENT_SECRET: SECRET })).toEqual([
      'config file gw.json: auth.issuer: must not have a query string (got "https://auth.example.org/realms/fhir?tenant=1")',
      'config file gw.json: auth.audience: must not have a fragment (got "https://gw.example.org/fhir#x")',
      'config file gw.json: auth.jwksUri: must use http or https (got "ftp://auth.example.org/certs")',
      'config file gw.json: auth.introspection.endpoint: must be an absolute http(s) URL (got "auth.example.org/introspect")',
    ]);
    expect(problemsFromFile({ auth: { issuer: ` ${ISSUER}`, audience: 42, jwksUri: 'https://u:pw-SECRET@auth.example.org/certs' } })).toEqual([
      `config file gw.json: auth.issuer: must be an absolute http(s) URL without spaces or control characters (got " ${ISSUER}")`,
      'config file gw.json: auth.audience: must be an absolute http(s) URL (got 42)',
      'config file gw.json: auth.jwksUri: must not contain credentials (user:password@)',
    ]);
  });

  it('clockSkewS: an integer from 0 to 300', () => {
    for (const bad of [-1, 301, 1.5, '60', null]) {
      expect(problemsFromFile({ auth: { issuer: ISSUER, clockSkewS: bad } }), String(bad)).toEqual([
        `config file gw.json: auth.clockSkewS: must be an integer between 0 and 300 (got ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)})`,
      ]);
    }
  });

  it('unknown keys in auth and auth.introspection are problems, with a suggestion', () => {
    const file = { auth: { issuer: ISSUER, audiance: 'x', clockSkew: 5, introspection: { ...introspection, clientSecret: 'inline', foo: 1 } } };
    expect(problemsFromFile(file, [], { AUTH_CLIENT_SECRET: SECRET })).toEqual([
      'config file gw.json: auth.audiance: unknown key (did you mean audience?)',
      'config file gw.json: auth.clockSkew: unknown key (did you mean clockSkewS?)',
      'config file gw.json: auth.introspection.clientSecret: unknown key (did you mean clientSecretEnv?)',
      'config file gw.json: auth.introspection.foo: unknown key (expected one of: endpoint, clientId, clientSecretEnv)',
    ]);
    expect(problemsFromFile({ auth: { issuer: ISSUER }, Auth: {} })).toEqual(['config file gw.json: Auth: unknown key (did you mean auth?)']);
  });

  it('auth and introspection must be objects; introspection needs all three keys', () => {
    expect(problemsFromFile({ auth: 'https://auth.example.org' })).toEqual(['config file gw.json: auth: must be an object (got a string)']);
    expect(problemsFromFile({ auth: { issuer: ISSUER, introspection: true } })).toEqual([
      'config file gw.json: auth.introspection: must be an object (got a boolean)',
    ]);
    expect(problemsFromFile({ auth: { issuer: ISSUER, introspection: {} } })).toEqual([
      'config file gw.json: auth.introspection.endpoint: is required: the authorization server\'s token introspection URL',
      'config file gw.json: auth.introspection.clientId: is required: the gateway\'s client id at the authorization server',
      'config file gw.json: auth.introspection.clientSecretEnv: is required: the name of the environment variable holding the client secret',
    ]);
    expect(problemsFromFile({ auth: { issuer: ISSUER, introspection: { ...introspection, clientId: '' } } }, [], { AUTH_CLIENT_SECRET: SECRET })).toEqual([
      'config file gw.json: auth.introspection.clientId: must be a non-empty string (got an empty string)',
    ]);
  });

  it('clientSecretEnv: the variable must be set and non-empty, and be named like one', () => {
    const file = { auth: { issuer: ISSUER, introspection } };
    for (const env of [{}, { AUTH_CLIENT_SECRET: '' }]) {
      expect(problemsFromFile(file, [], env)).toEqual([
        'config file gw.json: auth.introspection.clientSecretEnv: environment variable AUTH_CLIENT_SECRET is not set (or is empty)',
      ]);
    }
    expect(problemsFromFile({ auth: { issuer: ISSUER, introspection: { ...introspection, clientSecretEnv: 'not a name' } } })).toEqual([
      'config file gw.json: auth.introspection.clientSecretEnv: must be the name of an environment variable, e.g. "AUTH_CLIENT_SECRET" (got a string that is not one, not shown in case it is the secret itself)',
    ]);
  });

  it('the issuer is required, unless the environment or the command line gives it', () => {
    const file = { auth: { jwksUri: 'https://auth.example.org/certs' } };
    expect(problemsFromFile(file)).toEqual([
      'config file gw.json: auth.issuer: is required: the authorization server\'s issuer URL, exactly as tokens carry it in iss, '
        + 'e.g. "https://auth.example.org/realms/fhir" (or give --auth-issuer URL or GATEWAY_AUTH_ISSUER)',
    ]);
    expect(fromFile(file, ['--auth-issuer', ISSUER]).auth).toMatchObject({ issuer: ISSUER, jwksUri: 'https://auth.example.org/certs' });
    expect(fromFile(file, [], { GATEWAY_AUTH_ISSUER: ISSUER }).auth).toMatchObject({ issuer: ISSUER, jwksUri: 'https://auth.example.org/certs' });
  });
});

describe('auth: environment and command line', () => {
  const file = { auth: { issuer: 'https://file.example.org', audience: 'https://file.example.org/aud', clockSkewS: 5, introspection } };
  const env = { AUTH_CLIENT_SECRET: SECRET };

  it('precedence: config file < GATEWAY_AUTH_* < --auth-*; the file\'s other keys stay', () => {
    expect(fromFile(file, [], env).auth).toMatchObject({ issuer: 'https://file.example.org', audience: 'https://file.example.org/aud' });
    const fromEnv = fromFile(file, [], { ...env, GATEWAY_AUTH_ISSUER: 'https://env.example.org', GATEWAY_AUTH_AUDIENCE: 'https://env.example.org/aud' });
    expect(fromEnv.auth).toMatchObject({ issuer: 'https://env.example.org', audience: 'https://env.example.org/aud', clockSkewS: 5 });
    const fromCli = fromFile(file, ['--auth-issuer', 'https://cli.example.org', '--auth-audience=https://cli.example.org/aud'], {
      ...env, GATEWAY_AUTH_ISSUER: 'https://env.example.org', GATEWAY_AUTH_AUDIENCE: 'https://env.example.org/aud',
    });
    expect(fromCli.auth).toEqual({
      issuer: 'https://cli.example.org',
      audience: 'https://cli.example.org/aud',
      jwksUri: null,
      clockSkewS: 5,
      introspection: { endpoint: introspection.endpoint, clientId: 'gateway', clientSecret: SECRET },
    });
    // each one separately: the issuer from one layer, the audience from another
    expect(fromFile(file, ['--auth-audience', 'https://cli.example.org/aud'], { ...env, GATEWAY_AUTH_ISSUER: 'https://env.example.org' }).auth)
      .toMatchObject({ issuer: 'https://env.example.org', audience: 'https://cli.example.org/aud' });
  });

  it('the last --auth-issuer wins', () => {
    expect(load(['--auth-issuer', 'https://a.example.org', '--auth-issuer', ISSUER]).auth?.issuer).toBe(ISSUER);
  });

  it('an audience without any issuer is a problem', () => {
    expect(problemsOf(() => load(['--auth-audience', 'https://gw.example.org/fhir']))).toEqual([
      '--auth-audience: needs an issuer: give --auth-issuer URL (or GATEWAY_AUTH_ISSUER, or auth.issuer in the config file)',
    ]);
    expect(problemsOf(() => load([], { GATEWAY_AUTH_AUDIENCE: 'https://gw.example.org/fhir' }))).toEqual([
      'GATEWAY_AUTH_AUDIENCE: needs an issuer: give --auth-issuer URL (or GATEWAY_AUTH_ISSUER, or auth.issuer in the config file)',
    ]);
  });

  it('checks the values of every layer, even one a higher layer overrides', () => {
    const problems = problemsFromFile({ auth: { issuer: 'http://file.example.org' } }, ['--auth-issuer', 'nope', '--auth-audience', 'http://gw.example.org'], {
      GATEWAY_AUTH_ISSUER: 'https://env.example.org/#frag', GATEWAY_AUTH_AUDIENCE: 'https://ok.example.org',
    });
    expect(problems).toEqual([
      `config file gw.json: auth.issuer: ${HTTPS_ONLY}; got "http://file.example.org")`,
      'GATEWAY_AUTH_ISSUER: must not have a fragment (got "https://env.example.org/#frag")',
      '--auth-issuer: must be an absolute http(s) URL (got "nope")',
      `--auth-audience: ${HTTPS_ONLY}; got "http://gw.example.org")`,
    ]);
  });

  it('--auth-issuer and --auth-audience need a value; --insecure-no-auth takes none', () => {
    expect(problemsOf(() => load(['--auth-issuer']))).toEqual(['--auth-issuer: missing value (expected --auth-issuer URL)']);
    expect(problemsOf(() => load(['--auth-audience', '--insecure-no-auth']))).toEqual([
      '--auth-audience: missing value before --insecure-no-auth (for a value starting with \'-\', write --auth-audience=VALUE)',
    ]);
    expect(problemsOf(() => load(['--insecure-no-auth=yes']))).toEqual(['--insecure-no-auth: takes no value']);
  });

  it('parseArgs: the flags\' values, present only when given', () => {
    expect(parseArgs(['--auth-issuer', 'a', '--auth-audience=b', '--insecure-no-auth']).values).toMatchObject({
      authIssuer: 'a', authAudience: 'b', insecureNoAuth: true, help: false,
    });
    const { values } = parseArgs([]);
    expect('authIssuer' in values || 'authAudience' in values || 'insecureNoAuth' in values).toBe(false);
  });

  it('usage names the flags and environment variables, with their defaults', () => {
    for (const word of ['--auth-issuer URL', '--auth-audience URL', '--insecure-no-auth', 'GATEWAY_AUTH_ISSUER', 'GATEWAY_AUTH_AUDIENCE', 'GATEWAY_INSECURE_NO_AUTH']) {
      expect(usage).toContain(word);
    }
    for (const flag of ['--auth-issuer URL', '--auth-audience URL', '--insecure-no-auth']) {
      expect(usage.split('\n').find((line) => line.trimStart().startsWith(flag))).toMatch(/\(default: [^)]+\)$/);
    }
  });
});

describe('no auth on a host that is not loopback', () => {
  it('is refused, naming where the host came from: --host, HOST or the config file', () => {
    expect(problemsOf(() => load(['--host', '0.0.0.0']))).toEqual([`--host 0.0.0.0: ${OPEN}`]);
    expect(problemsOf(() => load([], { HOST: '192.168.1.10' }))).toEqual([`HOST=192.168.1.10: ${OPEN}`]);
    expect(problemsFromFile({ host: 'gateway.example.org' })).toEqual([`config file gw.json: host "gateway.example.org": ${OPEN}`]);
    expect(problemsOf(() => load(['--host', '::']))).toEqual([`--host ::: ${OPEN}`]);
    // the layer that wins is the one named
    expect(problemsFromFile({ host: '127.0.0.1' }, [], { HOST: '0.0.0.0' })).toEqual([`HOST=0.0.0.0: ${OPEN}`]);
    expect(problemsFromFile({ host: '0.0.0.0' }, ['--host', '10.1.2.3'], { HOST: '0.0.0.0' })).toEqual([`--host 10.1.2.3: ${OPEN}`]);
  });

  it('loopback hosts need no auth: 127.0.0.0/8, ::1 (any spelling), localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', 'localhost', 'LocalHost']) {
      const config = load(['--host', host]);
      expect(config.host).toBe(host);
      expect(config.auth).toBeNull();
      expect(config.insecureNoAuth).toBe(false);
    }
    expect(fromFile({ host: 'localhost' }).host).toBe('localhost');
  });

  it('is allowed with --insecure-no-auth or GATEWAY_INSECURE_NO_AUTH=1|true', () => {
    expect(load(['--host', '0.0.0.0', '--insecure-no-auth'])).toMatchObject({ host: '0.0.0.0', auth: null, insecureNoAuth: true });
    for (const value of ['1', 'true', 'TRUE']) {
      expect(load([], { HOST: '0.0.0.0', GATEWAY_INSECURE_NO_AUTH: value }), value).toMatchObject({ host: '0.0.0.0', auth: null, insecureNoAuth: true });
    }
    expect(fromFile({ host: '0.0.0.0' }, ['--insecure-no-auth']).insecureNoAuth).toBe(true);
    expect(load(['--insecure-no-auth']).insecureNoAuth).toBe(true); // allowed, though not needed, on loopback
  });

  it('GATEWAY_INSECURE_NO_AUTH=0|false does not allow it; other values are problems', () => {
    for (const value of ['0', 'false']) {
      expect(problemsOf(() => load([], { HOST: '0.0.0.0', GATEWAY_INSECURE_NO_AUTH: value })), value).toEqual([`HOST=0.0.0.0: ${OPEN}`]);
      expect(load([], { GATEWAY_INSECURE_NO_AUTH: value }).insecureNoAuth).toBe(false);
    }
    expect(problemsOf(() => load([], { GATEWAY_INSECURE_NO_AUTH: 'yes' }))).toEqual([
      'GATEWAY_INSECURE_NO_AUTH: must be 1 or true (or 0 or false, the default) (got "yes")',
    ]);
  });

  it('is allowed once auth is configured, in any layer', () => {
    expect(load(['--host', '0.0.0.0', '--auth-issuer', ISSUER])).toMatchObject({ host: '0.0.0.0', insecureNoAuth: false, auth: { issuer: ISSUER } });
    expect(load([], { HOST: '0.0.0.0', GATEWAY_AUTH_ISSUER: ISSUER }).auth?.issuer).toBe(ISSUER);
    expect(fromFile({ host: '0.0.0.0', auth: { issuer: ISSUER } }).auth?.issuer).toBe(ISSUER);
  });

  it('auth set up with a problem is reported as that problem, not as missing auth', () => {
    expect(problemsOf(() => load(['--host', '0.0.0.0', '--auth-issuer', 'http://auth.example.org']))).toEqual([
      `--auth-issuer: ${HTTPS_ONLY}; got "http://auth.example.org")`,
    ]);
    expect(problemsFromFile({ host: '0.0.0.0', auth: { clockSkewS: 5 } })).toHaveLength(1);
    expect(problemsFromFile({ host: '0.0.0.0', auth: { clockSkewS: 5 } })[0]).toMatch(/^config file gw\.json: auth\.issuer: is required/);
  });

  it('is reported together with every other problem', () => {
    expect(problemsOf(() => load(['--host', '0.0.0.0', '--port', 'x'], { LOG_LEVEL: 'loud' }))).toEqual([
      'LOG_LEVEL: must be one of debug, info, warn, error, silent (got "loud")',
      '--port: must be an integer between 0 and 65535 (got "x")',
      `--host 0.0.0.0: ${OPEN}`,
    ]);
  });

  it('isLoopbackHost: listen hosts and URL host names', () => {
    for (const host of ['127.0.0.1', '127.255.255.254', '::1', '[::1]', '0:0::1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '128.0.0.1', '10.0.0.1', '::2', 'fe80::1%eth0', 'localhost.example.org', 'my-localhost', '127.0.0.1.nip.io', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('the introspection client secret never appears in a problem', () => {
  const secretEnv = { AUTH_CLIENT_SECRET: SECRET };

  it.each([
    ['a secret with a control character', { auth: { issuer: ISSUER, introspection } }, { AUTH_CLIENT_SECRET: `${SECRET}\n` }],
    ['a secret with a non-ASCII character', { auth: { issuer: ISSUER, introspection } }, { AUTH_CLIENT_SECRET: `${SECRET}é` }],
    ['a valid secret beside other problems', { host: '0.0.0.0', auth: { issuer: 'nope', clockSkewS: 999, introspection: { ...introspection, endpoint: 'x', extra: 1 } } }, secretEnv],
    ['the secret given inline instead of by name', { auth: { issuer: ISSUER, introspection: { ...introspection, clientSecretEnv: SECRET } } }, secretEnv],
  ])('%s', (_name, file, env) => {
    let error: unknown;
    try {
      fromFile(file, [], env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain(SECRET);
    expect(message).not.toContain(SECRET);
  });

  it('names the variable when the value is refused', () => {
    expect(problemsFromFile({ auth: { issuer: ISSUER, introspection } }, [], { AUTH_CLIENT_SECRET: `${SECRET}\n` })).toEqual([
      'config file gw.json: auth.introspection.clientSecretEnv: environment variable AUTH_CLIENT_SECRET must contain only printable ASCII characters (value not shown)',
    ]);
  });
});

describe('auth in the result', () => {
  it('is deeply frozen', () => {
    const config = fromFile({ auth: { issuer: ISSUER, introspection } }, [], { AUTH_CLIENT_SECRET: SECRET });
    expect(Object.isFrozen(config.auth)).toBe(true);
    expect(Object.isFrozen(config.auth?.introspection)).toBe(true);
    expect(() => {
      (config.auth as { issuer: string }).issuer = 'https://evil.example';
    }).toThrow(TypeError);
    expect(() => {
      (config.auth?.introspection as { clientSecret: string }).clientSecret = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (config as { insecureNoAuth: boolean }).insecureNoAuth = true;
    }).toThrow(TypeError);
  });

  it('is a new object on every call', () => {
    expect(load(['--auth-issuer', ISSUER]).auth).not.toBe(load(['--auth-issuer', ISSUER]).auth);
  });
});

describe('--demo-auth', () => {
  it('is a flag, false by default, and refused with an auth issuer or on a host that is not loopback', () => {
    expect(load([])).toMatchObject({ demoAuth: false });
    expect(load(['--demo-auth'])).toMatchObject({ demoAuth: true, auth: null });
    expect(() => load(['--demo-auth', '--auth-issuer', ISSUER])).toThrow(/--demo-auth: cannot be combined with a configured auth issuer/);
    expect(() => load(['--demo-auth', '--host', '0.0.0.0', '--insecure-no-auth'])).toThrow(/--demo-auth: is for trying SMART on this machine only: it needs a loopback host/);
  });
});
