import type { CaptureLog } from './source-capture.ts';

export interface RepeatOptions {
  /** What to run each time; a rejection is a failure (logged, retried later with backoff). */
  readonly run: () => Promise<void>;
  /** Milliseconds between two runs after a success; 0 = run once successfully, then stop. */
  readonly intervalMs: number;
  /** Longest wait after failures (default 5 min, or intervalMs when that is longer). */
  readonly maxBackoffMs?: number;
  /** The first wait after a failure (default intervalMs, or 1 s when it is 0). */
  readonly firstBackoffMs?: number;
  /** What is running, for the log: "polling source 'lab'". */
  readonly what: string;
  readonly log: CaptureLog;
}

export interface Repeating {
  /** Resolves once the first run has ended, whether it succeeded or not. */
  readonly first: Promise<void>;
  /** Runs again now (after the run under way), e.g. when the source's capabilities changed. */
  kick(): void;
  /** No more runs; waits for the one under way. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every intervalMs, one run at a time (a slow run delays the next, never overlaps it). A failing run is
 * logged and retried with an exponentially growing, jittered delay — up to maxBackoffMs — and never stops the loop or
 * the process; the first success after failures is logged too. Timers do not keep the process alive.
 */
export function repeat(options: RepeatOptions): Repeating {
  const { intervalMs, what, log } = options;
  const firstBackoff = options.firstBackoffMs ?? (intervalMs > 0 ? intervalMs : 1000);
  const maxBackoff = options.maxBackoffMs ?? Math.max(300_000, intervalMs);
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let markFirst: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (markFirst = resolve));

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = (async () => {
      let next: number | undefined;
      try {
        await options.run();
        if (failures > 0) log('info', `change capture: ${what} works again after ${failures} failure(s)`);
        failures = 0;
        next = intervalMs > 0 ? intervalMs : undefined;
      } catch (error) {
        failures++;
        const backoff = Math.min(maxBackoff, firstBackoff * 2 ** Math.min(failures - 1, 20));
        next = Math.round(backoff * (0.8 + Math.random() * 0.4));
        if (!stopped) log('warn', `change capture: ${what} failed (${(error as Error).message}); retrying in ${(next / 1000).toFixed(1)} s (failure ${failures})`);
      } finally {
        running = undefined;
        markFirst();
      }
      if (again) {
        again = false;
        schedule(0);
      } else if (next !== undefined) {
        schedule(next);
      }
    })();
  };
  schedule(0);
  return {
    first,
    kick: () => schedule(0),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      markFirst();
      await running;
    },
  };
}
