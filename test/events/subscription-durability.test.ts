// Nothing is lost across a gateway restart or a `kill -9`: a write is committed to the change log before it is
// answered, so a subscriber that comes back with `_since` gets it from the log — from another gateway process on the
// same database (here the default embedded SQLite file).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { startGateway, type GatewayHandle } from '../helpers/gateway.ts';
import { subscribeSse } from '../helpers/sse.ts';
import { startUpstream } from '../helpers/upstream.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let upstream: MemoryFhirServer;
let dir: string;
let database: string;
let child: ChildProcess | undefined;
let gateway: GatewayHandle | undefined;

beforeAll(async () => {
  upstream = await startUpstream({ patients: 2 });
  dir = mkdtempSync(join(tmpdir(), 'change-log-'));
  database = `sqlite:${join(dir, 'gateway.db')}`;
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await gateway?.stop();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () => new Promise<number>((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  });
});

/** `node src/main.ts` as npm start runs it, on the shared database; resolves once it answers /ready. */
async function startProcess(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['src/main.ts', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error', '--source', `hospital=${upstream.baseUrl}`, '--database-url', database], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`the gateway exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/ready`)).status === 200) return { child: proc, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('the gateway did not become ready within 30 s');
}

const createPatient = async (url: string, family: string) => {
  const res = await fetch(`${url}/fhir/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
};

describe('the change log across processes', () => {
  it('a write answered just before kill -9 is delivered after a restart to a subscriber resuming with _since', { timeout: 60_000 }, async () => {
    const first = await startProcess();
    child = first.child;
    const before = await createPatient(first.url, 'BeforeCrash');
    // a subscriber sees the second write and goes away; the process is killed right after answering a third
    const s = await subscribeSse(`${first.url}/graphql`, 'subscription { PatientChanged { eventNumber id } }');
    const lastSeen = await (async () => {
      const after = createPatient(first.url, 'Seen');
      const [payload] = await s.waitFor(1);
      await after;
      return payload!.data.PatientChanged as { eventNumber: string; id: string };
    })();
    s.close();
    const lost = await createPatient(first.url, 'AnsweredThenKilled');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    child = undefined;

    gateway = await startGateway({ hospital: upstream.baseUrl }, { argv: ['--database-url', database] });
    const resumed = await subscribeSse(`${gateway.url}/graphql`, 'subscription($since: String) { PatientChanged(_since: $since) { eventNumber action id resource { name { family } } } }', { variables: { since: lastSeen.eventNumber } });
    const events = (await resumed.waitFor(1)).map((p) => p.data.PatientChanged);
    resumed.close();
    expect(events).toEqual([{ eventNumber: String(BigInt(lastSeen.eventNumber) + 1n), action: 'create', id: lost, resource: { name: [{ family: 'AnsweredThenKilled' }] } }]);
    // and from the start of the log: every write, in order
    const all = await subscribeSse(`${gateway.url}/graphql`, 'subscription { PatientChanged(_since: "0") { id } }');
    expect((await all.waitFor(3)).map((p) => p.data.PatientChanged.id)).toEqual([before, lastSeen.id, lost]);
    all.close();
  });
});
