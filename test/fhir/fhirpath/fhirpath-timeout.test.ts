// A hostile expression cannot block the event loop: it runs in the worker, is stopped at its budget (FHIRPATH_TIMEOUT),
// and what was queued behind it goes on, on a fresh worker. The machine is a noisy 2-core box: assertions compare
// orders and relative numbers, not tight wall-clock bounds.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFhirpathBudget, FhirpathError, FhirpathPool } from '../../../src/fhir/fhirpath/fhirpath.ts';

/** Catastrophic backtracking: 32 characters take the engine tens of seconds (each one more doubles it). */
const REDOS = `'${'a'.repeat(32)}!'.matches('^(a+)+$')`;
const NAMES = [
  { use: 'official', family: 'Chalmers' },
  { use: 'usual', given: ['Jim'] },
];

const pools: FhirpathPool[] = [];
function newPool(options: ConstructorParameters<typeof FhirpathPool>[0]): FhirpathPool {
  const pool = new FhirpathPool(options);
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function outcome<T>(promise: Promise<T>): Promise<{ at: number; value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ at: performance.now(), value }),
    (error: unknown) => ({ at: performance.now(), error }),
  );
}

describe('the time budget', () => {
  it('stops the ReDoS expression at about its budget with FHIRPATH_TIMEOUT', async () => {
    const pool = newPool({ timeoutMs: 500 });
    await pool.check('true'); // the worker is up: what follows measures the job, not the engine's loading
    const started = performance.now();
    const { at, error } = await outcome(pool.filter([{}], REDOS));
    const elapsed = at - started;
    expect(error).toBeInstanceOf(FhirpathError);
    expect(error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
    expect((error as Error).message).toBe(`FHIRPath expression ${JSON.stringify(REDOS)} took longer than 500 ms`);
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(500 * 5); // unstopped, it would run for tens of seconds
    expect(pool.stats()).toMatchObject({ stopped: 1, workers: 0 });
  });

  it('while a hostile job runs, the event loop stays responsive: timers fire and an HTTP server answers', async () => {
    const pool = newPool({ timeoutMs: 1_000 });
    await pool.check('true');
    const server: Server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    try {
      const gaps: number[] = [];
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }, 10);
      const started = performance.now();
      let settled = false;
      const hostile = outcome(pool.filter([{}], REDOS)).finally(() => (settled = true));
      const answers: number[] = [];
      while (!settled) {
        const res = await fetch(url);
        if ((await res.text()) === 'ok' && !settled) answers.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      clearInterval(timer);
      const { at, error } = await hostile;
      const duration = at - started;
      expect(error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
      expect(duration).toBeGreaterThanOrEqual(990);
      // had the expression run on this thread, nothing would have answered before it ended, and one gap would span it
      expect(answers.length).toBeGreaterThanOrEqual(5);
      expect(answers.filter((t) => t - started > duration / 2).length).toBeGreaterThan(0); // answers during the second half too
      expect(Math.max(...gaps)).toBeLessThan(duration / 3);
      expect(gaps.length).toBeGreaterThan(duration / 10 / 4);
    } finally {
      server.close();
    }
  });

  it('the next honest job succeeds after a timeout, on a new worker; jobs sent with the hostile one go on', async () => {
    const pool = newPool({ timeoutMs: 300 });
    await pool.check('true');
    const before = pool.stats().threadIds;
    // one tick: one batch with the hostile job in the middle
    const first = outcome(pool.filter(NAMES, "use = 'official'", { base: 'Patient.name' }));
    const hostile = outcome(pool.filter([{}], REDOS));
    const behind = [1, 2, 3].map((n) => outcome(pool.evaluate([{ n }], 'n * 10')));
    expect((await first).value).toEqual([NAMES[0]]);
    expect((await hostile).error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
    expect((await Promise.all(behind)).map((o) => o.value)).toEqual([[[10]], [[20]], [[30]]]);
    expect(await pool.filter(NAMES, 'given.exists()', { base: 'Patient.name' })).toEqual([NAMES[1]]);
    const stats = pool.stats();
    expect(stats).toMatchObject({ started: 2, stopped: 1, workers: 1 });
    expect(stats.threadIds).toHaveLength(1);
    expect(stats.threadIds[0]).not.toBe(before[0]);
  });

  it('a queue of hostile jobs does not hold an honest one for ever: it fails when its overall deadline passes', async () => {
    // deadline = queued at + maxWaitMs + its own budget: 300 + 300 ms for the honest jobs; the hostile ones may run 1 s
    const pool = newPool({ timeoutMs: 300, maxWaitMs: 300 });
    await pool.check('true');
    const started = performance.now();
    const hostile = [1, 2, 3].map(() => outcome(pool.filter([{}], REDOS, { timeoutMs: 1_000 })));
    const inBatch = outcome(pool.filter(NAMES, 'true')); // sent to the worker with the hostile jobs
    await new Promise((resolve) => setTimeout(resolve, 50));
    const queued = outcome(pool.filter(NAMES, 'true')); // still on this thread, waiting for the worker
    const first = await hostile[0]!;
    for (const honest of [await inBatch, await queued]) {
      expect(honest.error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
      expect((honest.error as Error).message).toMatch(/could not be evaluated in time: the FHIRPath evaluator is busy$/);
      expect(honest.at - started).toBeGreaterThanOrEqual(590);
      expect(honest.at).toBeLessThan(first.at); // failed while the first hostile job still ran
    }
    expect((first.error as Error).message).toMatch(/took longer than 1000 ms$/);
    for (const h of hostile) expect((await h).error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
    // and an honest job runs once the hostile ones are gone (time for a fresh worker to load the engine: a busy box is slow)
    expect(await pool.filter(NAMES, 'true', { timeoutMs: 5_000 })).toEqual(NAMES);
  });

  it('with two workers, honest jobs run on the other worker while one is stuck on a hostile job', async () => {
    const pool = newPool({ workers: 2, timeoutMs: 2_000 });
    await pool.check('true');
    const hostile = outcome(pool.filter([{}], REDOS));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const honest = await outcome(Promise.all([1, 2, 3].map((n) => pool.evaluate([{ n }], 'n + 1'))));
    expect(honest.value).toEqual([[[2]], [[3]], [[4]]]);
    const stopped = await hostile;
    expect(stopped.error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
    expect(honest.at).toBeLessThan(stopped.at);
    expect(pool.stats().started).toBe(2);
  });
});

describe("a request's FHIRPath budget", () => {
  it('charges every job; once used up, the stopped job and later ones fail, the later ones without running', async () => {
    const pool = newPool({ timeoutMs: 1_000 });
    const budget = createFhirpathBudget(1_500);
    expect(await pool.filter(NAMES, 'true', { budget })).toEqual(NAMES);
    expect(budget.usedMs).toBeGreaterThan(0);
    expect(budget.usedMs).toBeLessThan(500);

    const [one, two, three] = await Promise.all([1, 2, 3].map(() => outcome(pool.filter([{}], REDOS, { budget }))));
    expect((one!.error as Error).message).toMatch(/took longer than 1000 ms$/); // its own budget first
    expect((two!.error as Error).message).toMatch(/was stopped: this request used up its FHIRPath time budget of 1500 ms$/);
    expect((three!.error as Error).message).toMatch(/was not run: this request used up its FHIRPath time budget of 1500 ms$/);
    for (const o of [one, two, three]) expect(o!.error).toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
    expect(budget.exhausted).toBe(true);
    expect(budget.usedMs).toBeGreaterThanOrEqual(1_490);
    expect(budget.usedMs).toBeLessThan(1_900); // the second one was stopped at what was left (~500 ms), not at its own 1,000

    // fail fast: nothing is sent to a worker any more for this request; another request is not affected
    const sent = pool.stats().jobs;
    const started = performance.now();
    await expect(pool.filter(NAMES, 'true', { budget })).rejects.toMatchObject({ code: 'FHIRPATH_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(pool.stats().jobs).toBe(sent);
    expect(await pool.filter(NAMES, 'true', { budget: createFhirpathBudget(1_500) })).toEqual(NAMES);
  });
});
