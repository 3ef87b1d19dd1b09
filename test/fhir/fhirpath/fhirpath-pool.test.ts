// The pool's life: nothing starts before the first call, the engine is never loaded on the main thread, calls of one
// tick travel in one message, many concurrent calls all get their own answers, and close() leaves no thread behind.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeFhirpath,
  configureFhirpath,
  createFhirpathBudget,
  fhirpathBudgetFor,
  fhirpathStats,
  filterByFhirpath,
  FhirpathPool,
} from '../../../src/fhir/fhirpath/fhirpath.ts';

const moduleUrl = new URL('../../../src/fhir/fhirpath/fhirpath.ts', import.meta.url).href;
const threads = () => readdirSync('/proc/self/task').length;

afterAll(() => closeFhirpath());

describe('start-up', () => {
  it('starts no worker until the first call; the process-wide pool is made on first use', async () => {
    const pool = new FhirpathPool();
    expect(pool.stats()).toMatchObject({ workers: 0, started: 0, batches: 0 });
    expect(fhirpathStats()).toBeUndefined();
    await configureFhirpath({ timeoutMs: 500, requestBudgetMs: 750 });
    expect(fhirpathStats()).toBeUndefined();
    expect(await filterByFhirpath([{ a: 1 }, { a: 2 }], 'a = 2')).toEqual([{ a: 2 }]);
    expect(fhirpathStats()).toMatchObject({ workers: 1, started: 1 });
    await pool.close();
  });

  it('never loads the engine on the main thread (a fresh process, with a resolve hook counting `fhirpath` modules)', async () => {
    const script = `
      import { registerHooks } from 'node:module';
      const engine = [];
      registerHooks({ resolve(specifier, context, next) {
        const found = next(specifier, context);
        if (found.url.includes('/node_modules/fhirpath/')) engine.push(found.url);
        return found;
      } });
      const fp = await import(${JSON.stringify(moduleUrl)});
      const kept = await fp.filterByFhirpath([{ a: 1 }, { a: 2 }], 'a = 1');
      await fp.closeFhirpath();
      console.log(JSON.stringify({ kept, engine }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
    expect(JSON.parse(stdout)).toEqual({ kept: [{ a: 1 }], engine: [] });
  });

  it('the source of the main-thread modules does not import fhirpath', async () => {
    for (const file of ['fhirpath.ts', 'fhirpath-pool.ts', 'fhirpath-worker-handle.ts', 'fhirpath-job.ts', 'fhirpath-error.ts', 'fhirpath-budget.ts', 'fhirpath-protocol.ts']) {
      const source = await readFile(new URL(`../../../src/fhir/fhirpath/${file}`, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/from ['"]fhirpath|import\(['"]fhirpath/);
    }
  });
});

describe('batching and concurrency', () => {
  it('sends the calls of one tick (a list field resolved for 100 parents) to the worker in one message', async () => {
    const pool = new FhirpathPool();
    try {
      await pool.check('true');
      const before = pool.stats();
      const parents = Array.from({ length: 100 }, (_, i) => ({
        resourceType: 'Patient',
        id: `p${i}`,
        active: i % 2 === 0,
        name: [{ use: 'official', family: `F${i}` }, { use: 'usual', given: [`G${i}`] }],
      }));
      const results = await Promise.all(parents.map((p) => pool.filter(p.name, "use = 'official' and %resource.active", { base: 'Patient.name', root: p })));
      results.forEach((kept, i) => expect(kept).toEqual(i % 2 === 0 ? [parents[i]!.name[0]] : []));
      results.forEach((kept, i) => kept.forEach((k) => expect(k).toBe(parents[i]!.name[0])));
      const after = pool.stats();
      expect(after.jobs - before.jobs).toBe(100);
      expect(after.batches - before.batches).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('many jobs at once, from many ticks and with different expressions, each get their own answer', async () => {
    const pool = new FhirpathPool({ maxBatchJobs: 64 });
    try {
      const calls: Promise<unknown>[] = [];
      const expected: unknown[] = [];
      for (let tick = 0; tick < 20; tick++) {
        for (let i = 0; i < 50; i++) {
          const n = tick * 50 + i;
          if (n % 3 === 0) {
            calls.push(pool.evaluate([{ n }, null, { n: n + 1 }], `n * ${i % 7}`));
            expected.push([[n * (i % 7)], [], [(n + 1) * (i % 7)]]);
          } else if (n % 3 === 1) {
            const items = [{ n }, { n: -n }];
            calls.push(pool.filter(items, `n >= ${i}`));
            expected.push(items.filter((x) => x.n >= i));
          } else {
            calls.push(pool.check(`n > ${i}`).then(() => 'ok'));
            expected.push('ok');
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await Promise.all(calls)).toEqual(expected);
      const stats = pool.stats();
      expect(stats.jobs).toBe(1_000);
      expect(stats.batches).toBeLessThan(200); // batched, not one message per call
      expect(stats.stopped).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('two workers share the work: while one runs a long job, a second one starts and answers the others', async () => {
    const pool = new FhirpathPool({ workers: 2, timeoutMs: 20_000 });
    try {
      await pool.check('true');
      // a slow but honest job (backtracking over 26 characters: a few hundred ms) keeps worker 1 busy
      let slowDone = 0;
      const slow = pool.evaluate([{}], `'${'a'.repeat(26)}!'.matches('^(a+)+$')`).then((v) => ((slowDone = performance.now()), v));
      await new Promise((resolve) => setTimeout(resolve, 30));
      const rest = await Promise.all(Array.from({ length: 20 }, (_, n) => pool.evaluate([{ n }], 'n')));
      const restDone = performance.now();
      expect(rest).toEqual(Array.from({ length: 20 }, (_, n) => [[n]]));
      expect(await slow).toEqual([[false]]);
      expect(restDone).toBeLessThan(slowDone);
      expect(pool.stats()).toMatchObject({ started: 2, stopped: 0 });
      expect(new Set(pool.stats().threadIds).size).toBe(2);
    } finally {
      await pool.close();
    }
  });
});

describe('budgets and shutdown', () => {
  it('fhirpathBudgetFor gives one budget per request key, with the configured total', async () => {
    await configureFhirpath({ requestBudgetMs: 1_234 });
    const request = {};
    expect(fhirpathBudgetFor(request)).toBe(fhirpathBudgetFor(request));
    expect(fhirpathBudgetFor(request).totalMs).toBe(1_234);
    expect(fhirpathBudgetFor({})).not.toBe(fhirpathBudgetFor(request));
    expect(createFhirpathBudget(10).remainingMs).toBe(10);
    expect(() => createFhirpathBudget(0)).toThrow(RangeError);
  });

  it('close() ends every worker thread, fails what is pending, and refuses new work', async () => {
    await closeFhirpath();
    await readFile(fileURLToPath(import.meta.url)); // the libuv thread pool is up before counting threads
    const baseline = threads();
    const pool = new FhirpathPool({ workers: 2, timeoutMs: 5_000 });
    await pool.check('true'); // worker 1 is up, so that the hostile job keeps it busy and the next jobs start worker 2
    const hostile = pool.filter([{}], `'${'a'.repeat(32)}!'.matches('^(a+)+$')`).then(() => undefined, (e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = Promise.all([1, 2].map(() => pool.filter([{}], 'true').then(() => undefined, (e: unknown) => e)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.stats().workers).toBe(2);
    expect(threads()).toBeGreaterThan(baseline);
    const closing = performance.now();
    await pool.close();
    expect(performance.now() - closing).toBeLessThan(2_000); // the hostile job was interrupted, not waited for
    expect(threads()).toBeLessThanOrEqual(baseline);
    expect(pool.stats().workers).toBe(0);
    expect(await hostile).toBeInstanceOf(Error);
    for (const e of await queued) expect(e === undefined || e instanceof Error).toBe(true);
    await expect(pool.filter([{}], 'true')).rejects.toThrow(/shut down/);
  });
});
