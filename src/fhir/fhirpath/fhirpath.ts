import { createFhirpathBudget, FhirpathBudget } from './fhirpath-budget.ts';
import { FhirpathPool, type FhirpathCallOptions, type FhirpathPoolOptions, type FhirpathPoolStats } from './fhirpath-pool.ts';

/*
 * FHIRPath for the gateway (the HL7 FHIR GraphQL `fhirpath` argument, `@slice(path:)`): HL7's engine runs in a worker
 * thread with a time budget, never on the event loop. The main thread does not load the engine at all; the worker
 * starts on the first call. One process-wide pool (configure it once at start-up, close it at shutdown).
 */

export { FhirpathBudget, createFhirpathBudget } from './fhirpath-budget.ts';
export { FhirpathError, isFhirpathError, type FhirpathErrorCode } from './fhirpath-error.ts';
export { FhirpathPool, type FhirpathCallOptions, type FhirpathPoolOptions, type FhirpathPoolStats } from './fhirpath-pool.ts';

export interface FhirpathSettings extends FhirpathPoolOptions {
  /** Total for the budgets of fhirpathBudgetFor (default 2,000 ms of FHIRPath running time per request). */
  readonly requestBudgetMs?: number;
}

let settings: FhirpathSettings = {};
let pool: FhirpathPool | undefined;
let budgets = new WeakMap<object, FhirpathBudget>();

/** Sets the options of the process-wide pool (before its first use, or it is closed and started again with them). */
export async function configureFhirpath(options: FhirpathSettings): Promise<void> {
  settings = { ...options };
  const old = pool;
  pool = undefined;
  await old?.close();
}

function sharedPool(): FhirpathPool {
  pool ??= new FhirpathPool(settings);
  return pool;
}

/**
 * The items for which `expression` is true by FHIRPath's boolean reading (empty: false; one boolean: itself; anything
 * else: true), in order, null and undefined items dropped; the original objects. `base` is the FHIR element path of
 * the items ('Patient.name') so that choice elements and types resolve; none for whole resources. `root` is
 * `%resource`. Fails with a FhirpathError: BAD_USER_INPUT (invalid expression, evaluation error) or FHIRPATH_TIMEOUT.
 */
export function filterByFhirpath<T>(items: readonly T[], expression: string, options?: FhirpathCallOptions): Promise<T[]> {
  return sharedPool().filter(items, expression, options);
}

/** The results of `expression` on each item, as JSON values (dates, quantities as the engine prints them); [] for null. */
export function evaluateFhirpath(items: readonly unknown[], expression: string, options?: FhirpathCallOptions): Promise<unknown[][]> {
  return sharedPool().evaluate(items, expression, options);
}

/** Resolves when `expression` compiles (for items at `base`); else a BAD_USER_INPUT FhirpathError naming it. */
export function checkFhirpath(expression: string, base?: string): Promise<void> {
  return sharedPool().check(expression, base);
}

/**
 * The FHIRPath budget of one request: the same object for the same key (the request's context object), so that the
 * `fhirpath` arguments and `@slice` of a request share it. Total: `totalMs`, else the configured `requestBudgetMs`.
 */
export function fhirpathBudgetFor(key: object, totalMs?: number): FhirpathBudget {
  let budget = budgets.get(key);
  if (!budget) budgets.set(key, (budget = createFhirpathBudget(totalMs ?? settings.requestBudgetMs ?? 2_000)));
  return budget;
}

/** The pool's numbers (workers alive, started, stopped; batches and jobs sent), for tests and metrics. */
export function fhirpathStats(): FhirpathPoolStats | undefined {
  return pool?.stats();
}

/** Terminates the workers (gateway shutdown, tests); the next call starts a new pool. */
export async function closeFhirpath(): Promise<void> {
  const old = pool;
  pool = undefined;
  budgets = new WeakMap();
  await old?.close();
}
