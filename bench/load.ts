// Closed-loop load generator: `concurrency` workers, each sending the next operation as soon as its
// previous one finished. A warm-up phase (not measured), then a measured phase; both are bounded by a
// request count AND a time budget (no new operation starts after the deadline; each operation is bounded
// by the client's own timeouts).
import type { LoadBounds } from './settings.ts';

export interface LoadResult {
  readonly concurrency: number;
  /** Latencies in ms of the successful measured operations. */
  readonly latencies: readonly number[];
  /** Failed measured operations (not in `latencies`). */
  readonly errors: number;
  readonly warmupErrors: number;
  readonly firstError: string | undefined;
  /** Measured phase, first start to last completion, ms. */
  readonly elapsedMs: number;
  readonly warmupDone: number;
}

async function phase(
  op: () => Promise<unknown>,
  concurrency: number,
  maxRequests: number,
  maxMs: number,
  record: boolean,
): Promise<{ latencies: number[]; errors: number; firstError: string | undefined; elapsedMs: number; done: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  const worker = async () => {
    while (started < maxRequests && performance.now() < deadline) {
      started++;
      const s = performance.now();
      try {
        await op();
        if (record) latencies.push(performance.now() - s);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, firstError, elapsedMs: performance.now() - t0, done: started };
}

/**
 * Runs `op` under load. `beforeMeasure` runs between warm-up and the measured phase (e.g. to reset the
 * upstream's request counter), with no operation in flight.
 */
export async function runLoad(
  op: () => Promise<unknown>,
  concurrency: number,
  bounds: LoadBounds,
  beforeMeasure?: () => Promise<void>,
): Promise<LoadResult> {
  const warm = await phase(op, concurrency, bounds.warmupRequests, bounds.warmupMaxMs, false);
  await beforeMeasure?.();
  const m = await phase(op, concurrency, bounds.maxRequests, bounds.maxMs, true);
  return {
    concurrency,
    latencies: m.latencies,
    errors: m.errors,
    warmupErrors: warm.errors,
    firstError: warm.firstError ?? m.firstError,
    elapsedMs: m.elapsedMs,
    warmupDone: warm.done,
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
