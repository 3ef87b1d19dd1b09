// The process around the app, as `npm start` runs it: the port is bound before anything else starts (a port in use is
// one line and exit status 2, with no demo server started), requests during start-up wait for the pipeline, and
// --help describes the demo that starts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { usage } from '../src/config/parse-args.ts';
import { ListenError, startGateway, type RunningGateway } from '../src/start-gateway.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Runs `node src/main.ts ...args` as npm start does; resolves with its exit code and output. */
function runMain(args: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`src/main.ts ${args.join(' ')} did not exit within ${timeoutMs} ms. stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function holdPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

let running: RunningGateway | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('start-up', () => {
  it('a port in use is one line on stderr and exit status 2, before any demo server starts', async () => {
    const held = await holdPort();
    const { port } = held.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runMain(['--port', String(port), '--host', '127.0.0.1']);
      expect({ code, stderr }).toMatchObject({ code: 2 });
      expect(stderr).toBe(
        `port ${port} on 127.0.0.1 is in use: another process is listening there; stop it, or choose another with --port N or PORT (0 = any free port)\n`,
      );
      expect(stdout).toBe(''); // no "started two embedded demo FHIR R4 servers" line: nothing was started
    } finally {
      await close(held);
    }
  });

  it('startGateway throws a ListenError and leaves nothing running', async () => {
    const held = await holdPort();
    const { port } = held.address() as AddressInfo;
    try {
      const started = startGateway({ argv: ['--port', String(port), '--host', '127.0.0.1', '--log-level', 'silent'], env: {} });
      await expect(started).rejects.toBeInstanceOf(ListenError);
      await expect(started).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      await close(held);
    }
  });

  it('answers requests that arrive while it starts, once the pipeline exists', async () => {
    const free = await holdPort();
    const { port } = free.address() as AddressInfo;
    await close(free);
    let started = false;
    const starting = startGateway({
      argv: ['--port', String(port), '--host', '127.0.0.1', '--log-level', 'silent', '--source', 'down=http://127.0.0.1:9/fhir'],
      env: {},
    }).then((g) => {
      started = true;
      running = g;
      return g;
    });
    // Knock until the port is bound: the first request that connects is held until the app is built.
    let early: { status: number; body: string; beforeStarted: boolean } | undefined;
    for (let i = 0; i < 500 && early === undefined; i++) {
      try {
        const sentBeforeStarted = !started;
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        early = { status: res.status, body: await res.text(), beforeStarted: sentBeforeStarted };
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await starting;
    expect(early).toEqual({ status: 200, body: '{"status":"pass"}', beforeStarted: true });
  });

  it('--help describes the demo that starts: two servers, by their ids', async () => {
    running = await startGateway({ argv: ['--port', '0', '--host', '127.0.0.1', '--log-level', 'silent'], env: {} });
    const ids = running.config.sources.map((s) => s.id);
    expect(ids).toEqual(['hospital', 'lab']);
    expect(usage).toContain('two embedded demo FHIR R4 servers');
    for (const id of ids) expect(usage).toContain(`'${id}'`);
    expect(usage).toContain(`writes that name no source go to '${running.config.defaultWriteSource}'`);
    const { status } = await fetch(`${running.url}/health`);
    expect(status).toBe(200);
  });

  it('with --expose-gc (npm start) the start-up garbage goes back to the OS once idle, after listening: idle RSS under 200 MB', async () => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', 'src/main.ts', '--port', '0', '--host', '127.0.0.1', '--log-level', 'debug', '--source', 'down=http://127.0.0.1:9/fhir'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!/startup garbage released/.test(out) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/graphql[\s\S]*startup garbage released in \d+ ms/);
      const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      expect(rssKb / 1024).toBeLessThan(200);
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);
});
