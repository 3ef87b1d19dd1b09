import { parentPort, workerData } from 'node:worker_threads';
import {
  clockMs,
  MAX_EXPRESSION_LENGTH,
  quoteExpression,
  REASON,
  REASON_CODES,
  SEQ,
  STARTED_AT,
  STOP_AT,
  type StopReason,
  type WireBatch,
  type WireJob,
  type WireResult,
  type WorkerMessage,
} from './fhirpath-protocol.ts';

/*
 * The FHIRPath worker: HL7's engine (npm `fhirpath`, R4 model) runs here and only here, so a slow expression blocks
 * this thread, never the gateway's event loop. The main thread (fhirpath-pool.ts) stops it with worker.terminate()
 * when a job runs past its time; this file only has to report where it is (shared memory) and answer every job.
 * It never lets an exception escape: every job gets a result, an invalid expression or a failed evaluation is a
 * BAD_USER_INPUT with the engine's short message (no stack).
 */

type Evaluator = (data: unknown, env?: Record<string, unknown>) => unknown[];
type Compiled = { readonly evaluator: Evaluator } | { readonly error: string };

const port = parentPort!;
const { progress } = workerData as { progress: SharedArrayBuffer };
const ints = new Int32Array(progress, 0, 2);
const times = new Float64Array(progress, 8, 2);

const [{ default: lib }, { default: model }] = await Promise.all([import('fhirpath'), import('fhirpath/fhir-context/r4')]);
const options = { traceFn: () => undefined }; // trace() must not write to the server's stdout

const CACHE_SIZE = 256;
/** Compiled expressions (and expressions that do not compile), by base and expression, least recently used first. */
const cache = new Map<string, Compiled>();
/** Results are sent when the batch is done, and on the way whenever this much time passed since the last send. */
const FLUSH_MS = 10;

function compiled(expression: string, base: string | undefined): Compiled {
  const key = `${base ?? ''}\n${expression}`;
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
  } else if (expression.length > MAX_EXPRESSION_LENGTH) {
    hit = { error: `FHIRPath expression is longer than ${MAX_EXPRESSION_LENGTH} characters` };
  } else {
    try {
      hit = { evaluator: lib.compile(base ? { base, expression } : expression, model, options) as Evaluator };
    } catch (error) {
      hit = { error: `Invalid FHIRPath expression ${quoteExpression(expression)}: ${shortMessage(error)}` };
    }
  }
  cache.set(key, hit);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return hit;
}

/** FHIRPath's boolean reading of a result, as the HL7 engine applies the `fhirpath` argument. */
function isTrue(result: readonly unknown[]): boolean {
  if (result.length === 0) return false;
  if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
  return true;
}

function run(job: WireJob, evaluator: Evaluator): WireResult {
  const items = job.items ?? [];
  const evaluate = (item: unknown): unknown[] => evaluator(item, { resource: job.root ?? item, rootResource: job.root ?? item });
  if (job.op === 'filter') {
    const kept: number[] = [];
    items.forEach((item, i) => {
      if (item !== null && item !== undefined && isTrue(evaluate(item))) kept.push(i);
    });
    return { seq: job.seq, ms: 0, ok: true, kept };
  }
  if (job.op === 'evaluate') {
    const values = items.map((item) => (item === null || item === undefined ? [] : (toJson(lib.resolveInternalTypes(evaluate(item))) as unknown[])));
    return { seq: job.seq, ms: 0, ok: true, values };
  }
  return { seq: job.seq, ms: 0, ok: true };
}

/** Runs one job: refused when its time is up before it starts, else marked in shared memory while it runs. */
function runJob(job: WireJob, usedByBudget: Map<number, number>): WireResult {
  const start = clockMs();
  const left = job.budgetId === undefined ? Infinity : (job.budgetLeftMs ?? 0) - (usedByBudget.get(job.budgetId) ?? 0);
  if (left <= 0) return { seq: job.seq, ms: 0, ok: false, code: 'FHIRPATH_TIMEOUT', reason: 'budget' };
  if (start >= job.deadline) return { seq: job.seq, ms: 0, ok: false, code: 'FHIRPATH_TIMEOUT', reason: 'deadline' };
  const limits: [StopReason, number][] = [
    ['run', job.runMs],
    ['deadline', job.deadline - start],
    ['budget', left],
  ];
  const [reason, limit] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  times[STARTED_AT] = start;
  times[STOP_AT] = start + limit;
  Atomics.store(ints, REASON, REASON_CODES.indexOf(reason));
  Atomics.store(ints, SEQ, job.seq); // last: the watchdog reads the job number first, then the times it published
  let result: WireResult;
  try {
    const found = compiled(job.expression, job.base);
    if ('error' in found) {
      result = { seq: job.seq, ms: 0, ok: false, code: 'BAD_USER_INPUT', message: found.error };
    } else {
      try {
        result = run(job, found.evaluator);
      } catch (error) {
        const message = `FHIRPath expression ${quoteExpression(job.expression)} could not be evaluated: ${shortMessage(error)}`;
        result = { seq: job.seq, ms: 0, ok: false, code: 'BAD_USER_INPUT', message };
      }
    }
  } catch (error) {
    // not the expression's fault (our own code failing): still an answer, never a crash
    result = { seq: job.seq, ms: 0, ok: false, code: 'BAD_USER_INPUT', message: `FHIRPath evaluation failed: ${shortMessage(error)}` };
  }
  const ms = clockMs() - start;
  if (job.budgetId !== undefined) usedByBudget.set(job.budgetId, (usedByBudget.get(job.budgetId) ?? 0) + ms);
  return { ...result, ms };
}

function post(message: WorkerMessage): void {
  try {
    port.postMessage(message);
  } catch {
    // a value the engine produced that cannot be cloned: answer those jobs with an error instead of crashing
    if (message.type !== 'results') return;
    const results = message.results.map((r): WireResult => {
      try {
        structuredClone(r);
        return r;
      } catch {
        return { seq: r.seq, ms: r.ms, ok: false, code: 'BAD_USER_INPUT', message: 'FHIRPath results could not be returned' };
      }
    });
    port.postMessage({ ...message, results });
  }
}

port.on('message', (batch: WireBatch) => {
  const usedByBudget = new Map<number, number>();
  let pending: WireResult[] = [];
  let lastFlush = clockMs();
  for (const job of batch.jobs) {
    pending.push(runJob(job, usedByBudget));
    if (clockMs() - lastFlush >= FLUSH_MS) {
      post({ type: 'results', results: pending, done: false });
      pending = [];
      lastFlush = clockMs();
    }
  }
  Atomics.store(ints, SEQ, 0);
  post({ type: 'results', results: pending, done: true });
});

post({ type: 'ready' });

/** The engine's message without its list of expected tokens, on one line, capped. */
function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.split(' expecting {')[0]!.replace(/\s+/g, ' ').trim();
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}

/**
 * A JSON value for a FHIRPath result, after the engine's resolveInternalTypes: FP_Type values (dates, quantities)
 * through their toJSON(), bigints and non-finite numbers as strings, anything else that is not JSON dropped.
 */
function toJson(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || depth > 200) return undefined;
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1) ?? null);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    return typeof toJSON === 'function' ? toJson(toJSON.call(value), depth + 1) : String(value);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const json = toJson(v, depth + 1);
    if (json !== undefined && k !== '__proto__') out[k] = json;
  }
  return out;
}
