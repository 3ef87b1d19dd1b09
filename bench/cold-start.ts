// Cold start: spawn `node src/main.ts --source demo=<upstream> --port 0` (full R4 schema built at startup),
// time from spawn to the first successful GraphQL answer of scenario 1, then read the process's idle RSS.
// src/main.ts enables Node's on-disk compile cache; NODE_COMPILE_CACHE points it at a fresh directory, so
// that run 1 starts with an empty cache (first start after a deploy) and later runs with a warm one (restart).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpuTicks, ticksToMs } from './cpu.ts';
import { createClient } from './http.ts';
import { memoryOf, startGateway } from './processes.ts';

export interface ColdStartRun {
  /** 'empty' for the first run (fresh NODE_COMPILE_CACHE directory), 'warm' after. */
  readonly compileCache: 'empty' | 'warm';
  /** Spawn -> 'listening on' log line. */
  readonly listenMs: number;
  /** Spawn -> first GraphQL answer with data (the source's /metadata must have been read too). */
  readonly firstAnswerMs: number;
  /** The gateway's CPU (user + system, all threads; 10 ms ticks) up to its first answer: less sensitive than the wall time to other processes. */
  readonly cpuMs: number | undefined;
  /** VmRSS / VmHWM after startup plus an idle second. */
  readonly idleRssMb: number | undefined;
  readonly peakRssMb: number | undefined;
}

export interface ColdStartOptions {
  readonly root: string;
  readonly nodeBin: string;
  readonly nodeFlags: readonly string[];
  readonly outDir: string;
  readonly upstreamUrl: string;
  readonly query: string;
  readonly isAnswer: (data: Record<string, unknown>) => boolean;
  readonly runs: number;
}

const FIRST_ANSWER_TIMEOUT_MS = 20_000;
const POLL_MS = 5;
const IDLE_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function measureColdStart(o: ColdStartOptions): Promise<ColdStartRun[]> {
  const out: ColdStartRun[] = [];
  const cacheDir = mkdtempSync(join(o.outDir, 'compile-cache-'));
  try {
    for (let i = 0; i < o.runs; i++) out.push(await coldStartOnce(o, o.root, cacheDir, i === 0 ? 'empty' : 'warm'));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return out;
}

/** One start of the gateway of checkout `root` (its compile cache in `cacheDir`), timed to its first answer. */
export async function coldStartOnce(
  o: Omit<ColdStartOptions, 'root' | 'runs'>,
  root: string,
  cacheDir: string,
  compileCache: ColdStartRun['compileCache'],
): Promise<ColdStartRun> {
  const gw = await startGateway(root, o.nodeBin, o.upstreamUrl, { nodeFlags: o.nodeFlags, env: { NODE_COMPILE_CACHE: cacheDir } });
  const client = createClient(1);
  try {
    let firstAnswerAt: number | undefined;
    let lastError = '';
    while (firstAnswerAt === undefined && performance.now() - gw.spawnedAt < FIRST_ANSWER_TIMEOUT_MS) {
      try {
        if (o.isAnswer(await client.graphql(`${gw.url}/graphql`, o.query))) firstAnswerAt = performance.now();
      } catch (error) {
        lastError = (error as Error).message;
        await sleep(POLL_MS);
      }
    }
    if (firstAnswerAt === undefined) throw new Error(`cold start: no GraphQL answer within ${FIRST_ANSWER_TIMEOUT_MS} ms (${lastError})`);
    const ticks = cpuTicks(gw.pid);
    await sleep(IDLE_MS);
    const mem = memoryOf(gw.pid);
    return {
      compileCache,
      listenMs: gw.listeningAt - gw.spawnedAt,
      firstAnswerMs: firstAnswerAt - gw.spawnedAt,
      cpuMs: ticks === undefined ? undefined : ticksToMs(ticks),
      idleRssMb: mem?.rssMb,
      peakRssMb: mem?.peakMb,
    };
  } finally {
    await client.close();
    await gw.stop();
  }
}
