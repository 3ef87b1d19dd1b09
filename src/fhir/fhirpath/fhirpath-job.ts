import type { FhirpathBudget } from './fhirpath-budget.ts';
import { FhirpathError } from './fhirpath-error.ts';
import { quoteExpression, type FhirpathOp, type StopReason, type WireResult } from './fhirpath-protocol.ts';

export type JobOutcome = { readonly kept?: readonly number[]; readonly values?: readonly unknown[][] };

/** One call's work on the main thread: what to send, its limits, and its promise. */
export interface Job {
  readonly seq: number;
  readonly op: FhirpathOp;
  readonly expression: string;
  readonly base: string | undefined;
  readonly items: readonly unknown[] | undefined;
  readonly root: unknown;
  readonly runMs: number;
  readonly enqueuedAt: number;
  /** enqueuedAt + maxWaitMs + runMs: not started by then, or still running then, it fails. */
  readonly deadline: number;
  readonly budget: FhirpathBudget | undefined;
  readonly resolve: (outcome: JobOutcome) => void;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

/** Settles a job once (a result that comes after the job was settled, e.g. from a stopped worker, is ignored). */
export function settle(job: Job, outcome: { ok: JobOutcome } | { error: Error }, ranMs = 0): void {
  if (job.settled) return;
  job.settled = true;
  job.budget?.charge(ranMs);
  if ('ok' in outcome) job.resolve(outcome.ok);
  else job.reject(outcome.error);
}

export function settleFromWire(job: Job, result: WireResult): void {
  if (result.ok) settle(job, { ok: result }, result.ms);
  else if (result.code === 'BAD_USER_INPUT') settle(job, { error: new FhirpathError('BAD_USER_INPUT', result.message) }, result.ms);
  else settle(job, { error: stoppedError(job, result.reason, false) }, result.ms);
}

/** The client's message for a job that was refused or stopped for lack of time. */
export function stoppedError(job: Job, reason: StopReason, started: boolean): FhirpathError {
  const expression = quoteExpression(job.expression);
  if (reason === 'run') {
    return new FhirpathError('FHIRPATH_TIMEOUT', `FHIRPath expression ${expression} took longer than ${job.runMs} ms`, { limitMs: job.runMs });
  }
  if (reason === 'budget') {
    const total = job.budget?.totalMs ?? 0;
    const what = started ? 'was stopped' : 'was not run';
    return new FhirpathError('FHIRPATH_TIMEOUT', `FHIRPath expression ${expression} ${what}: this request used up its FHIRPath time budget of ${total} ms`, {
      limitMs: total,
    });
  }
  return new FhirpathError('FHIRPATH_TIMEOUT', `FHIRPath expression ${expression} could not be evaluated in time: the FHIRPath evaluator is busy`, {
    limitMs: Math.round(job.deadline - job.enqueuedAt),
  });
}

export function outOfMemoryError(job: Job): FhirpathError {
  return new FhirpathError('FHIRPATH_TIMEOUT', `FHIRPath expression ${quoteExpression(job.expression)} used more memory than a FHIRPath evaluation may`);
}
