// Cold start: spawn `node src/main.ts --source demo=<upstream> --port 0` (full R4 schema built at startup),
// time from spawn to the first successful GraphQL answer of scenario 1, then read the process's idle RSS.
import { createClient } from './http.ts';
import { memoryOf, startGateway } from './processes.ts';

export interface ColdStartRun {
  /** Spawn -> 'listening on' log line. */
  readonly listenMs: number;
  /** Spawn -> first GraphQL answer with data (the source's /metadata must have been read too). */
  readonly firstAnswerMs: number;
  /** VmRSS / VmHWM after startup plus an idle second. */
  readonly idleRssMb: number | undefined;
  readonly peakRssMb: number | undefined;
}

const FIRST_ANSWER_TIMEOUT_MS = 20_000;
const POLL_MS = 5;
const IDLE_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function measureColdStart(
  root: string,
  nodeBin: string,
  upstreamUrl: string,
  query: string,
  isAnswer: (data: Record<string, unknown>) => boolean,
  runs: number,
): Promise<ColdStartRun[]> {
  const out: ColdStartRun[] = [];
  for (let i = 0; i < runs; i++) {
    const gw = await startGateway(root, nodeBin, upstreamUrl);
    const client = createClient(1);
    try {
      let firstAnswerAt: number | undefined;
      let lastError = '';
      while (firstAnswerAt === undefined && performance.now() - gw.spawnedAt < FIRST_ANSWER_TIMEOUT_MS) {
        try {
          if (isAnswer(await client.graphql(`${gw.url}/graphql`, query))) firstAnswerAt = performance.now();
        } catch (error) {
          lastError = (error as Error).message;
          await sleep(POLL_MS);
        }
      }
      if (firstAnswerAt === undefined) throw new Error(`cold start: no GraphQL answer within ${FIRST_ANSWER_TIMEOUT_MS} ms (${lastError})`);
      await sleep(IDLE_MS);
      const mem = memoryOf(gw.pid);
      out.push({
        listenMs: gw.listeningAt - gw.spawnedAt,
        firstAnswerMs: firstAnswerAt - gw.spawnedAt,
        idleRssMb: mem?.rssMb,
        peakRssMb: mem?.peakMb,
      });
    } finally {
      await client.close();
      await gw.stop();
    }
  }
  return out;
}
