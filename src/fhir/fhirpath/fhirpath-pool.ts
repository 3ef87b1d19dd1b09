import type { FhirpathBudget } from './fhirpath-budget.ts';
import { FhirpathError } from './fhirpath-error.ts';
import { settle, stoppedError, type Job, type JobOutcome } from './fhirpath-job.ts';
import { clockMs, MAX_EXPRESSION_LENGTH, type FhirpathOp } from './fhirpath-protocol.ts';
import { WorkerHandle } from './fhirpath-worker-handle.ts';

export interface FhirpathPoolOptions {
  /** Worker threads, started one by one as work needs them (default 1). */
  readonly workers?: number;
  /** A job's own time budget: how long it may run once it started (default 1,000 ms). */
  readonly timeoutMs?: number;
  /**
   * How long a job may wait for a worker (default 3,000 ms). Every job gets an overall deadline of the time it was
   * queued + this + its own budget: one that has not started by then fails without running, and one that runs past it
   * is stopped. So a queue of slow jobs delays an honest one by at most this much, and never holds it forever.
   */
  readonly maxWaitMs?: number;
  /** Heap limit of each worker (default 256 MB): a job that needs more stops that worker, not the process. */
  readonly maxHeapMb?: number;
  /** Jobs sent to a worker in one message at most (default 256). */
  readonly maxBatchJobs?: number;
  /** Items (FHIR elements or resources) sent in one message at most, unless one job has more alone (default 10,000). */
  readonly maxBatchItems?: number;
  /** Jobs waiting at most; more fail at once (default 10,000). */
  readonly maxQueuedJobs?: number;
}

export interface FhirpathCallOptions {
  /** FHIR element path of the items ('Patient.name', 'Observation.component'); none for whole resources. */
  readonly base?: string;
  /** `%resource` (and `%rootResource`) for the items: the enclosing resource; none when the items are resources. */
  readonly root?: unknown;
  /** The request's FHIRPath budget, charged with the job's running time. */
  readonly budget?: FhirpathBudget;
  /** This job's own budget instead of the pool's `timeoutMs`. */
  readonly timeoutMs?: number;
}

export interface FhirpathPoolStats {
  /** Worker threads alive now (starting, idle or busy). */
  readonly workers: number;
  /** Workers started since the pool was created, and how many of them ended under a job (stopped for running too long, or crashed). */
  readonly started: number;
  readonly stopped: number;
  /** Messages (batches) sent to workers, and jobs in them. */
  readonly batches: number;
  readonly jobs: number;
  readonly queued: number;
  readonly threadIds: readonly number[];
}

/**
 * FHIRPath off the main thread: a small pool of worker threads running HL7's engine, with a time budget per job.
 * Started on first use (never at gateway start-up); jobs issued in the same tick go to a worker in one message.
 * Queued jobs run in order; a job that runs past its budget gets its worker terminated and fails with
 * FHIRPATH_TIMEOUT, and the jobs behind it go on, on a fresh worker.
 */
export class FhirpathPool {
  readonly #size: number;
  readonly #timeoutMs: number;
  readonly #maxWaitMs: number;
  readonly #maxHeapMb: number;
  readonly #maxBatchJobs: number;
  readonly #maxBatchItems: number;
  readonly #maxQueued: number;
  readonly #workers: WorkerHandle[] = [];
  #queue: Job[] = [];
  #seq = 0;
  #dispatchScheduled = false;
  #expiry: { timer: NodeJS.Timeout; at: number } | undefined;
  #closed = false;
  #stats = { started: 0, stopped: 0, batches: 0, jobs: 0 };

  constructor(options: FhirpathPoolOptions = {}) {
    this.#size = Math.max(1, Math.floor(options.workers ?? 1));
    this.#timeoutMs = positive(options.timeoutMs, 1_000);
    this.#maxWaitMs = Math.max(0, options.maxWaitMs ?? 3_000);
    this.#maxHeapMb = positive(options.maxHeapMb, 256);
    this.#maxBatchJobs = positive(options.maxBatchJobs, 256);
    this.#maxBatchItems = positive(options.maxBatchItems, 10_000);
    this.#maxQueued = positive(options.maxQueuedJobs, 10_000);
  }

  /**
   * The items for which `expression` is true (FHIRPath boolean reading), in order, null items dropped; the same objects.
   * An empty list still goes to the worker: an invalid expression is an error whatever the data.
   */
  async filter<T>(items: readonly T[], expression: string, options: FhirpathCallOptions = {}): Promise<T[]> {
    const { kept = [] } = await this.#submit('filter', expression, options, items);
    return kept.map((i) => items[i]!);
  }

  /** The expression's results on each item (JSON values; [] for a null item). */
  async evaluate(items: readonly unknown[], expression: string, options: FhirpathCallOptions = {}): Promise<unknown[][]> {
    const { values = [] } = await this.#submit('evaluate', expression, options, items);
    return values as unknown[][];
  }

  /** Compiles `expression` (for items at `base`): resolves when it is valid, else a BAD_USER_INPUT FhirpathError. */
  async check(expression: string, base?: string): Promise<void> {
    await this.#submit('check', expression, base !== undefined ? { base } : {}, undefined);
  }

  stats(): FhirpathPoolStats {
    return {
      workers: this.#workers.length,
      ...this.#stats,
      queued: this.#queue.length,
      threadIds: this.#workers.map((w) => w.threadId),
    };
  }

  /** Terminates every worker (waiting for the threads to end); pending jobs fail. The pool cannot be used after. */
  async close(): Promise<void> {
    this.#closed = true;
    const error = new Error('The FHIRPath evaluator was shut down');
    for (const job of this.#queue) settle(job, { error });
    this.#queue = [];
    if (this.#expiry) clearTimeout(this.#expiry.timer);
    this.#expiry = undefined;
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.close(error)));
  }

  #submit(op: FhirpathOp, expression: string, options: FhirpathCallOptions, items: readonly unknown[] | undefined): Promise<JobOutcome> {
    if (this.#closed) return Promise.reject(new Error('The FHIRPath evaluator was shut down'));
    if (typeof expression !== 'string' || expression.trim() === '') {
      return Promise.reject(new FhirpathError('BAD_USER_INPUT', 'A FHIRPath expression must not be empty'));
    }
    if (expression.length > MAX_EXPRESSION_LENGTH) {
      return Promise.reject(new FhirpathError('BAD_USER_INPUT', `FHIRPath expression is longer than ${MAX_EXPRESSION_LENGTH} characters`));
    }
    return new Promise<JobOutcome>((resolve, reject) => {
      const runMs = positive(options.timeoutMs, this.#timeoutMs);
      const enqueuedAt = clockMs();
      const job: Job = {
        seq: ++this.#seq,
        op,
        expression,
        base: options.base,
        items,
        root: options.root,
        runMs,
        enqueuedAt,
        deadline: enqueuedAt + this.#maxWaitMs + runMs,
        budget: options.budget,
        resolve,
        reject,
        settled: false,
      };
      if (job.budget?.exhausted) settle(job, { error: stoppedError(job, 'budget', false) });
      else if (this.#queue.length >= this.#maxQueued) settle(job, { error: stoppedError(job, 'deadline', false) });
      else {
        this.#queue.push(job);
        this.#scheduleDispatch();
      }
    });
  }

  /** Dispatch once the current tick's calls are queued (after its microtasks), so that they travel together. */
  #scheduleDispatch(): void {
    if (this.#dispatchScheduled || this.#closed) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#closed) return;
    this.#dropExpired(clockMs());
    while (this.#queue.length > 0) {
      const idle = this.#workers.find((w) => w.state === 'idle');
      if (!idle) {
        const starting = this.#workers.some((w) => w.state === 'starting');
        if (!starting && this.#workers.length < this.#size) this.#spawn();
        break;
      }
      this.#sendBatch(idle);
    }
    this.#armExpiry();
  }

  #sendBatch(worker: WorkerHandle): void {
    const share = Math.min(this.#maxBatchJobs, Math.ceil(this.#queue.length / this.#size));
    const jobs: Job[] = [];
    let itemCount = 0;
    while (jobs.length < share && this.#queue.length > 0) {
      const job = this.#queue[0]!;
      const count = job.items?.length ?? 0;
      if (jobs.length > 0 && itemCount + count > this.#maxBatchItems) break;
      this.#queue.shift();
      jobs.push(job);
      itemCount += count;
    }
    const budgetIds = new Map<object, number>();
    for (const job of jobs) if (job.budget && !budgetIds.has(job.budget)) budgetIds.set(job.budget, budgetIds.size + 1);
    this.#stats.batches += 1;
    this.#stats.jobs += jobs.length;
    worker.send(jobs, budgetIds);
  }

  #spawn(): void {
    this.#stats.started += 1;
    let handle: WorkerHandle;
    try {
      handle = new WorkerHandle({ maxHeapMb: this.#maxHeapMb }, { idle: () => this.#scheduleOrDispatch(), died: (...args) => this.#died(...args) });
    } catch (cause) {
      this.#failQueued([], `${cause instanceof Error ? cause.message : String(cause)}`);
      return;
    }
    this.#workers.push(handle);
  }

  #died(dead: WorkerHandle, requeue: Job[], started: boolean, cause: string): void {
    const i = this.#workers.indexOf(dead);
    if (i >= 0) this.#workers.splice(i, 1);
    if (started) {
      this.#stats.stopped += 1;
      this.#queue.unshift(...requeue);
    } else {
      this.#failQueued(requeue, cause); // the engine does not even load: fail what waits instead of starting workers in a loop
    }
    this.#scheduleOrDispatch();
  }

  #failQueued(jobs: readonly Job[], cause: string): void {
    const error = new Error(`The FHIRPath evaluator could not be started: ${cause}`);
    for (const job of [...jobs, ...this.#queue]) settle(job, { error });
    this.#queue = [];
  }

  /** A worker became free: send what is queued now (jobs queued in this tick are still batched by #scheduleDispatch). */
  #scheduleOrDispatch(): void {
    if (this.#queue.length > 0) this.#dispatch();
  }

  /** Queued jobs past their deadline, or whose request used up its budget, fail now without running. */
  #dropExpired(now: number): void {
    if (this.#queue.length === 0) return;
    this.#queue = this.#queue.filter((job) => {
      if (job.settled) return false;
      if (job.deadline <= now) settle(job, { error: stoppedError(job, 'deadline', false) });
      else if (job.budget?.exhausted) settle(job, { error: stoppedError(job, 'budget', false) });
      else return true;
      return false;
    });
  }

  /** One timer for the earliest deadline in the queue, so that waiting jobs fail on time even while every worker is busy. */
  #armExpiry(): void {
    if (this.#queue.length === 0) {
      if (this.#expiry) clearTimeout(this.#expiry.timer);
      this.#expiry = undefined;
      return;
    }
    let at = Infinity;
    for (const job of this.#queue) at = Math.min(at, job.deadline);
    if (this.#expiry && this.#expiry.at <= at) return;
    if (this.#expiry) clearTimeout(this.#expiry.timer);
    const timer = setTimeout(() => {
      this.#expiry = undefined;
      this.#dispatch();
    }, Math.max(1, at - clockMs()));
    this.#expiry = { timer, at };
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
