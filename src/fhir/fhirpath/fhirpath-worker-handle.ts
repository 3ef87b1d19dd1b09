import { Worker } from 'node:worker_threads';
import { outOfMemoryError, settle, settleFromWire, stoppedError, type Job } from './fhirpath-job.ts';
import {
  clockMs,
  PROGRESS_BYTES,
  REASON,
  REASON_CODES,
  SEQ,
  STARTED_AT,
  STOP_AT,
  type WireBatch,
  type WireJob,
  type WorkerMessage,
} from './fhirpath-protocol.ts';

const WORKER_URL = new URL('./fhirpath-worker.ts', import.meta.url);
/** Loading the engine takes 100-300 ms; a worker that is not ready after this is broken. */
const START_TIMEOUT_MS = 20_000;
/** While a batch is sent but no job of it runs yet (in transit), the watchdog looks again this often. */
const POLL_MS = 25;

export interface HandleEvents {
  /** The worker loaded the engine, or finished its batch: it can take the next one. */
  idle(handle: WorkerHandle): void;
  /**
   * The worker is gone (stopped for a job that ran too long, or crashed). `requeue`: jobs of its batch that did not
   * get a result and should run on another worker, in order. `started`: whether it had become ready before.
   */
  died(handle: WorkerHandle, requeue: Job[], started: boolean, cause: string): void;
}

export interface HandleOptions {
  readonly maxHeapMb: number;
}

/**
 * One worker thread and the batch it runs. The worker is unref()'d: it never keeps the process alive by itself; while
 * it has work, the watchdog's timer does (for at most the jobs' own budgets).
 *
 * The watchdog: one timer, set for the moment the running job must stop (read from the shared progress buffer). When it
 * fires and the same job still runs, the worker is terminated, that job fails with FHIRPATH_TIMEOUT, and the batch's
 * other unanswered jobs go back to the pool. If another job runs by then, the timer is set for that one. So a batch
 * costs no timer work at all unless it runs long.
 */
export class WorkerHandle {
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  readonly threadId: number;
  readonly #worker: Worker;
  readonly #events: HandleEvents;
  readonly #ints: Int32Array;
  readonly #times: Float64Array;
  /** Jobs of the batch in flight that have no result yet, in sending order. */
  #batch = new Map<number, Job>();
  #timer: NodeJS.Timeout | undefined;
  #error: unknown;
  #exited: Promise<void>;

  constructor(options: HandleOptions, events: HandleEvents) {
    const progress = new SharedArrayBuffer(PROGRESS_BYTES);
    this.#ints = new Int32Array(progress, 0, 2);
    this.#times = new Float64Array(progress, 8, 2);
    this.#events = events;
    this.#worker = new Worker(WORKER_URL, {
      name: 'fhirpath',
      workerData: { progress },
      // none of the parent's flags: the worker needs none, and some break it (`--input-type` with `-e`, test runners' hooks)
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb },
      stdout: true, // whatever the engine might print is dropped, never the server's output
      stderr: true,
    });
    this.threadId = this.#worker.threadId;
    this.#worker.stdout.resume();
    this.#worker.stderr.resume();
    this.#worker.unref();
    this.#worker.on('message', (message: WorkerMessage) => this.#onMessage(message));
    this.#worker.on('error', (error) => {
      this.#error = error; // 'exit' follows and decides
    });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    void this.#exited.then(() => this.#onExit());
    this.#arm(START_TIMEOUT_MS);
  }

  /** Sends a batch (the handle must be idle). Jobs whose data cannot be cloned fail alone; the others are sent. */
  send(jobs: readonly Job[], budgetIds: ReadonlyMap<object, number>): void {
    const wire = jobs.map((job) => toWire(job, budgetIds));
    try {
      this.#worker.postMessage({ jobs: wire } satisfies WireBatch);
    } catch {
      const ok: WireJob[] = [];
      jobs.forEach((job, i) => {
        try {
          structuredClone([job.items, job.root]);
          ok.push(wire[i]!);
        } catch {
          settle(job, { error: new Error('FHIRPath: the data to evaluate cannot be sent to the worker') });
        }
      });
      jobs = jobs.filter((job) => !job.settled);
      if (jobs.length === 0) return;
      this.#worker.postMessage({ jobs: ok } satisfies WireBatch);
    }
    for (const job of jobs) this.#batch.set(job.seq, job);
    this.state = 'busy';
    this.#arm(Math.min(POLL_MS, ...jobs.map((j) => j.runMs)));
  }

  /** Stops the worker; its unanswered jobs fail with `error`. Resolves when the thread is gone. */
  async close(error: Error): Promise<void> {
    if (this.state !== 'dead') {
      this.state = 'dead';
      this.#disarm();
      for (const job of this.#batch.values()) settle(job, { error });
      this.#batch.clear();
      this.#worker.terminate().catch(() => undefined);
    }
    await this.#exited;
  }

  #onMessage(message: WorkerMessage): void {
    if (this.state === 'dead') return;
    if (message.type === 'ready') {
      this.#disarm();
      this.state = 'idle';
      this.#events.idle(this);
      return;
    }
    for (const result of message.results) {
      const job = this.#batch.get(result.seq);
      if (!job) continue;
      this.#batch.delete(result.seq);
      settleFromWire(job, result);
    }
    if (message.done) {
      this.#disarm();
      this.#batch.clear();
      this.state = 'idle';
      this.#events.idle(this);
    }
  }

  /** The worker exited without being told to: out of memory, or a crash. */
  #onExit(): void {
    if (this.state === 'dead') return;
    const started = this.state !== 'starting';
    this.state = 'dead';
    this.#disarm();
    const running = this.#batch.get(Atomics.load(this.#ints, SEQ));
    const oom = (this.#error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    if (running) {
      this.#batch.delete(running.seq);
      const ranMs = clockMs() - this.#times[STARTED_AT]!;
      settle(running, { error: oom ? outOfMemoryError(running) : new Error(`FHIRPath worker failed: ${describe(this.#error)}`) }, ranMs);
      this.#died(true);
    } else {
      // not inside a job (loading the engine, or reading a batch): its jobs fail rather than crash the next worker too
      for (const job of this.#batch.values()) settle(job, { error: new Error(`FHIRPath worker failed: ${describe(this.#error)}`) });
      this.#batch.clear();
      this.#died(started);
    }
  }

  #died(started: boolean): void {
    const requeue = [...this.#batch.values()].filter((job) => !job.settled);
    this.#batch.clear();
    this.#events.died(this, requeue, started, describe(this.#error));
  }

  #arm(ms: number): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.#watch(), Math.max(1, ms));
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The watchdog: stops the running job when its time is up, else looks again when it will be. */
  #watch(): void {
    this.#timer = undefined;
    if (this.state === 'dead') return;
    if (this.state === 'starting') {
      this.#error = new Error(`not ready after ${START_TIMEOUT_MS} ms`);
      this.state = 'dead';
      this.#worker.terminate().catch(() => undefined);
      for (const job of this.#batch.values()) settle(job, { error: new Error('FHIRPath worker did not start') });
      this.#died(false);
      return;
    }
    const now = clockMs();
    // jobs waiting in the batch behind a long one: failed at their deadline (the worker would refuse them anyway)
    let next = Infinity;
    for (const job of this.#batch.values()) {
      if (job.deadline <= now) settle(job, { error: stoppedError(job, 'deadline', false) });
      else next = Math.min(next, job.deadline);
    }
    const progress = this.#progress();
    const running = progress && this.#batch.get(progress.seq);
    if (progress && running && now >= progress.stopAt) {
      this.state = 'dead';
      this.#worker.terminate().catch(() => undefined);
      this.#batch.delete(running.seq);
      settle(running, { error: stoppedError(running, progress.reason, true) }, now - progress.startedAt);
      this.#died(true);
      return;
    }
    if (this.state !== 'busy') return;
    next = Math.min(next, progress ? progress.stopAt : now + POLL_MS);
    this.#arm(next - now);
  }

  /** The running job's number and times, read consistently (the worker may move on to the next job meanwhile). */
  #progress(): { seq: number; startedAt: number; stopAt: number; reason: (typeof REASON_CODES)[number] } | undefined {
    for (;;) {
      const seq = Atomics.load(this.#ints, SEQ);
      if (seq === 0) return undefined;
      const startedAt = this.#times[STARTED_AT]!;
      const stopAt = this.#times[STOP_AT]!;
      const reason = REASON_CODES[Atomics.load(this.#ints, REASON)] ?? 'run';
      if (Atomics.load(this.#ints, SEQ) === seq) return { seq, startedAt, stopAt, reason };
    }
  }
}

function toWire(job: Job, budgetIds: ReadonlyMap<object, number>): WireJob {
  const budgetId = job.budget ? budgetIds.get(job.budget) : undefined;
  return {
    seq: job.seq,
    op: job.op,
    expression: job.expression,
    ...(job.base !== undefined ? { base: job.base } : {}),
    ...(job.items !== undefined ? { items: job.items } : {}),
    ...(job.root !== undefined ? { root: job.root } : {}),
    runMs: job.runMs,
    deadline: job.deadline,
    ...(budgetId !== undefined ? { budgetId, budgetLeftMs: job.budget!.remainingMs } : {}),
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.message;
  return 'exited';
}
