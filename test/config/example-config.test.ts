// examples/gateway.config.json starts as README documents it: README's command names every environment variable the
// example reads (bearerTokenEnv, privateKeyEnv, ...), and with those set — a fresh P-384 key, as README makes one — the
// config loads; without them, the one startup error names each.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = 'examples/gateway.config.json';
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The environment variables the example config names (every `...Env` key, at any depth). */
function namedVariables(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) namedVariables(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key.endsWith('Env') && typeof v === 'string') out.add(v);
      else namedVariables(v, out);
    }
  }
  return out;
}

/** README's command that starts the example: its `NAME=value` assignments, values as the shell would give them. */
function readmeEnvironment(): Record<string, string> {
  const command = README.replace(/\\\n\s*/g, ' ').split('\n').find((line) => /^\S+=.*npm start -- --config examples\/gateway\.config\.json/.test(line));
  expect(command, 'README has a command that sets the variables and starts the example').toBeDefined();
  const env: Record<string, string> = {};
  for (const [, name, raw] of command!.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=("\$\([^)]*\)"|\S+)/g)) {
    const substitution = /^"\$\((.*)\)"$/.exec(raw!);
    env[name!] = substitution ? run(substitution[1]!) : raw!;
  }
  return env;
}

/** A `$(...)` of README's command: openssl where it is installed, else the same key made by node:crypto. */
function run(command: string): string {
  expect(command).toBe('openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384');
  try {
    return execFileSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}

describe(EXAMPLE, () => {
  const names = namedVariables(JSON.parse(readFileSync(new URL(`../../${EXAMPLE}`, import.meta.url), 'utf8')));

  it('README names every environment variable the example reads', () => {
    expect([...names].sort()).toEqual(['CLINIC_FHIR_TOKEN', 'EHR_PRIVATE_KEY']);
    for (const name of names) expect(README).toContain(`\`${name}\``);
    expect(Object.keys(readmeEnvironment()).sort()).toEqual([...names].sort());
  });

  it('loads with the environment README sets', () => {
    const env = readmeEnvironment();
    const config = loadConfig({ argv: ['--config', `${ROOT}${EXAMPLE}`], env });
    expect(config.sources.map((s) => s.id)).toEqual(['hapi', 'clinic', 'ehr']);
    expect(config.sources[1]!.auth).toMatchObject({ type: 'bearer', token: env['CLINIC_FHIR_TOKEN'] });
    expect(config.sources[2]!.auth).toMatchObject({ type: 'smart-backend', algorithm: 'ES384' });
  });

  it('without it, the startup error names each variable', () => {
    let error: unknown;
    try {
      loadConfig({ argv: ['--config', `${ROOT}${EXAMPLE}`], env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of names) expect((error as ConfigError).message).toContain(name);
  });
});
