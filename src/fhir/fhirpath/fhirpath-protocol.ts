/*
 * What the main thread and the FHIRPath worker (fhirpath-worker.ts) say to each other. Both threads import this file,
 * so it holds nothing but types, constants and the one clock they share.
 *
 * Progress is shared memory, not messages: before it starts a job the worker writes the job's number, when it started
 * and when it must be stopped into a small SharedArrayBuffer; the main thread's watchdog reads it when its timer fires.
 * So a batch of 100 jobs costs one message each way, and the watchdog still knows which job ran too long.
 */

export type FhirpathOp = 'check' | 'filter' | 'evaluate';

/** One job as it is sent to the worker (structured clone: items and root lose their Symbol-keyed tags, which is fine). */
export interface WireJob {
  /** > 0, unique within a pool, increasing in sending order. */
  readonly seq: number;
  readonly op: FhirpathOp;
  readonly expression: string;
  readonly base?: string;
  readonly items?: readonly unknown[];
  readonly root?: unknown;
  /** The job's own time budget (ms of running). */
  readonly runMs: number;
  /** Absolute time (clockMs) after which the job must not start, nor keep running. */
  readonly deadline: number;
  /** The request budget the job is charged to (a number within the batch), and what was left of it when it was sent. */
  readonly budgetId?: number;
  readonly budgetLeftMs?: number;
}

export interface WireBatch {
  readonly jobs: readonly WireJob[];
}

/** Why a job was not run or not finished, as the worker or the watchdog saw it. */
export type StopReason = 'run' | 'deadline' | 'budget';

export type WireResult =
  | { readonly seq: number; readonly ms: number; readonly ok: true; readonly kept?: readonly number[]; readonly values?: readonly unknown[][] }
  | { readonly seq: number; readonly ms: number; readonly ok: false; readonly code: 'BAD_USER_INPUT'; readonly message: string }
  | { readonly seq: number; readonly ms: number; readonly ok: false; readonly code: 'FHIRPATH_TIMEOUT'; readonly reason: StopReason };

export type WorkerMessage =
  | { readonly type: 'ready' }
  /** Results of jobs of the batch in flight; `done` with the last ones. */
  | { readonly type: 'results'; readonly results: readonly WireResult[]; readonly done: boolean };

export const MAX_EXPRESSION_LENGTH = 2_000;

/** Layout of the progress buffer: Int32 [seq of the running job (0: none), stop reason code], Float64 [startedAt, stopAt]. */
export const PROGRESS_BYTES = 24;
export const SEQ = 0;
export const REASON = 1;
/** Indices into the Float64Array view (from byte 8). */
export const STARTED_AT = 0;
export const STOP_AT = 1;

export const REASON_CODES: readonly StopReason[] = ['run', 'deadline', 'budget'];

/**
 * Milliseconds on the monotonic clock that every thread of the process shares (uv_hrtime). `performance.now()` would
 * not do: each worker has its own time origin.
 */
export function clockMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/** An expression as messages quote it: JSON, cut at 200 characters. */
export function quoteExpression(expression: string): string {
  return JSON.stringify(expression.length > 200 ? `${expression.slice(0, 200)}…` : expression);
}
