import { describe, expect, it } from 'vitest';
import { parseArgs, usage } from '../../src/config/parse-args.ts';

describe('parseArgs', () => {
  it('reads every flag, long and short, with separate or inline values', () => {
    expect(parseArgs(['--port', '1', '--host=h', '-c', 'f.json', '--log-level', 'warn', '-s', 'a=http://a', '--source=b=http://b?x=1'])).toEqual({
      values: {
        port: '1', host: 'h', config: 'f.json', logLevel: 'warn', help: false, identitySystems: [],
        sources: [
          { id: 'a', baseUrl: 'http://a', where: '--source #1' },
          { id: 'b', baseUrl: 'http://b?x=1', where: '--source #2' },
        ],
      },
      problems: [],
    });
  });

  it('returns no values and no problems for an empty command line', () => {
    expect(parseArgs([])).toEqual({ values: { sources: [], identitySystems: [], help: false }, problems: [] });
  });

  it('reports all syntax problems at once', () => {
    const { problems } = parseArgs(['--prot', '80', 'stray', '--source', 'noequals', '--help=yes', '--unknownthing', '--', '--after']);
    expect(problems).toEqual([
      '--prot: unknown option (did you mean --port?)',
      'unexpected argument "stray" (options start with --; see --help)',
      '--source #1: expected ID=BASE_URL, e.g. --source hapi=https://hapi.fhir.org/baseR4',
      '--help: takes no value',
      '--unknownthing: unknown option (see --help)',
      'unexpected argument "--after" (options start with --; see --help)',
    ]);
  });

  it('does not let a flag without value swallow the next flag', () => {
    const { values, problems } = parseArgs(['--port', '--help', '--host']);
    expect(values.help).toBe(true);
    expect(problems).toEqual([
      '--port: missing value before --help (for a value starting with \'-\', write --port=VALUE)',
      '--host: missing value (expected --host H)',
    ]);
  });

  it('reads --auth-issuer and --auth-audience (the last wins) and the --insecure-no-auth flag', () => {
    expect(parseArgs(['--auth-issuer', 'https://a.example', '--auth-issuer=https://b.example', '--auth-audience', 'https://gw.example/fhir', '--insecure-no-auth'])).toEqual({
      values: {
        sources: [], identitySystems: [], help: false,
        authIssuer: 'https://b.example', authAudience: 'https://gw.example/fhir', insecureNoAuth: true,
      },
      problems: [],
    });
    expect(parseArgs(['--insecure-no-auth', 'yes']).problems).toEqual(['unexpected argument "yes" (options start with --; see --help)']);
    expect(parseArgs(['--insecure-no-auth=1']).problems).toEqual(['--insecure-no-auth: takes no value']);
    expect(parseArgs(['--auth-isuer', 'x']).problems).toEqual(['--auth-isuer: unknown option (did you mean --auth-issuer?)']);
  });

  it('accepts a value starting with - when written inline', () => {
    expect(parseArgs(['--port=-1']).values.port).toBe('-1');
  });

  it('numbers --source flags in command-line order, malformed ones included', () => {
    const { values, problems } = parseArgs(['--source', 'x', '--source', 'a=http://a', '--source', '=http://b', '--source', 'c=']);
    expect(values.sources).toEqual([{ id: 'a', baseUrl: 'http://a', where: '--source #2' }]);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['--source #1', '--source #3', '--source #4']);
  });

  it('--identity-system may repeat, numbered in command-line order; a missing value is reported', () => {
    expect(parseArgs(['--identity-system', 'urn:oid:1.2.3', '--identity-system=http://x.example/id']).values.identitySystems).toEqual([
      { value: 'urn:oid:1.2.3', where: '--identity-system #1' },
      { value: 'http://x.example/id', where: '--identity-system #2' },
    ]);
    expect(parseArgs(['--identity-system']).problems).toEqual(['--identity-system: missing value (expected --identity-system URI)']);
  });

  it('documents every flag and environment variable in usage', () => {
    for (const word of [
      '--port', '--host', '--source', '--config', '--log-level', '--identity-system', '--help', '--auth-issuer', '--auth-audience',
      '--insecure-no-auth', 'PORT', 'HOST', 'LOG_LEVEL', 'GATEWAY_CONFIG', 'GATEWAY_AUTH_ISSUER', 'GATEWAY_AUTH_AUDIENCE',
      'GATEWAY_INSECURE_NO_AUTH', 'NODE_ENV',
    ]) {
      expect(usage).toContain(word);
    }
  });
});
