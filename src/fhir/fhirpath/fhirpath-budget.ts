/**
 * A request's FHIRPath time budget: the caller creates one per request and passes it with every job. Each job's
 * running time (measured in the worker; the whole time until it was stopped for one that timed out) is charged to
 * it; once `usedMs` reaches `totalMs`, the request's later jobs fail at once without running (FHIRPATH_TIMEOUT), and a
 * running job is stopped when the budget runs out. Time spent waiting for the worker is not charged.
 */
export class FhirpathBudget {
  readonly totalMs: number;
  #usedMs = 0;

  constructor(totalMs: number) {
    if (!(totalMs > 0)) throw new RangeError(`A FHIRPath budget must be positive (got ${totalMs})`);
    this.totalMs = totalMs;
  }

  get usedMs(): number {
    return this.#usedMs;
  }

  get remainingMs(): number {
    return Math.max(0, this.totalMs - this.#usedMs);
  }

  get exhausted(): boolean {
    return this.#usedMs >= this.totalMs;
  }

  /** Adds time used (the pool calls this for every job that ran). */
  charge(ms: number): void {
    if (ms > 0) this.#usedMs += ms;
  }
}

export function createFhirpathBudget(totalMs: number): FhirpathBudget {
  return new FhirpathBudget(totalMs);
}
