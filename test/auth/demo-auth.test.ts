// `npm start -- --demo-auth` with `npm run token`: SMART tried locally with no outside server. The gateway publishes a
// development issuer on its own loopback address, validates its tokens like any issuer's, and the token script signs
// them with the key the gateway made on first use.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/start-gateway.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/token.ts', import.meta.url));
let dir: string;
let gw: RunningGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'demo-auth-'));
  gw = await startGateway({
    argv: ['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent', '--demo-auth'],
    env: {},
    demoAuthKeyFile: join(dir, '.gateway', 'demo-auth-key.json'),
  });
});
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function token(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

const query = (authorization?: string) => fetch(`${gw.url}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body: JSON.stringify({ query: '{ PatientList(_count: 2) { id } }' }),
});

describe('--demo-auth', () => {
  it('turns authentication on with the development issuer, whose key file only its owner can read', async () => {
    expect(gw.config.auth?.issuer).toBe(`${gw.url}/demo-auth`);
    expect((await query()).status).toBe(401);
    expect(statSync(join(dir, '.gateway', 'demo-auth-key.json')).mode & 0o777).toBe(0o600);
    const discovery = (await (await fetch(`${gw.url}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(discovery['issuer']).toBe(`${gw.url}/demo-auth`);
    expect(discovery['jwks_uri']).toBe(`${gw.url}/demo-auth/jwks`);
  });

  it('npm run token prints a token the gateway accepts, with the scopes asked for', async () => {
    const made = token('--url', gw.url, '--scope', 'user/Patient.rs');
    expect(made.status, made.stderr).toBe(0);
    const ok = await query(`Bearer ${made.stdout}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).data.PatientList).toHaveLength(2);
    const narrow = token('--url', gw.url, '--scope', 'user/Observation.rs');
    const refused = (await (await query(`Bearer ${narrow.stdout}`)).json()) as any;
    expect(refused.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('a patient token from npm run token sees that patient in both demo sources, and nobody else', async () => {
    const made = token('--url', gw.url, '--patient', 'pat-0001', '--scope', 'patient/*.rs');
    expect(made.status, made.stderr).toBe(0);
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${made.stdout}` },
      body: JSON.stringify({ query: '{ PatientList(_count: 50) { id sourceId } ObservationList(_count: 500) { subject { reference } } }' }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.PatientList.map((p: any) => `${p.sourceId}/${p.id}`).sort()).toEqual(['hospital/pat-0001', 'lab/lab-pat-0001']);
    expect(body.data.ObservationList.length).toBeGreaterThan(0);
    expect(new Set(body.data.ObservationList.map((o: any) => o.subject.reference))).toEqual(new Set(['Patient/pat-0001', 'Patient/lab-pat-0001']));
  });

  it('the token script says what is wrong instead of printing a token', () => {
    expect(token('--url', gw.url)).toMatchObject({ status: 2, stdout: '' });
    expect(token('--url', gw.url)).toMatchObject({ stderr: expect.stringContaining('--scope is required') });
    expect(token('--url', 'https://gw.example.org', '--scope', 'user/*.rs').stderr).toMatch(/loopback/);
    const empty = mkdtempSync(join(tmpdir(), 'no-demo-key-'));
    try {
      const elsewhere = spawnSync(process.execPath, [SCRIPT, '--scope', 'user/*.rs'], { cwd: empty, encoding: 'utf8' });
      expect(elsewhere.status).toBe(2);
      expect(elsewhere.stderr).toMatch(/start the gateway with `npm start -- --demo-auth`/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
