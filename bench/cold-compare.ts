// Cold start of two checkouts, interleaved (`node bench/cold-compare.ts`): the gateway of BENCH_CURRENT (default this
// checkout) against the one of BENCH_BASELINE (required), e.g. a build without some part of the schema. Each round
// starts both gateways, one after the other, with the cold-start part's measurement (bench/cold-start.ts: spawn ->
// 'listening on', spawn -> first answer of scenario 1 with data, RSS after an idle second), then builds each
// checkout's schema alone in a fresh process (bench/schema-build-process.ts: import, model, build, type count, heap);
// the side that goes first alternates every round (AB BA AB ...), so that the noise of a shared machine hits both.
// Round 0 runs with empty compile caches (the first start after a deploy) and is reported apart; BENCH_COLD more
// rounds (default 9) with warm ones (a restart). Last, BENCH_COLD_ALTERNATE (default 15) warm builds of each schema,
// alternated in one process (bench/schema-build-alternating.ts). Reports medians, min–max and the per-round ratio
// current/baseline; writes .bench-out/cold-compare.md and .json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { coldStartOnce, type ColdStartRun } from './cold-start.ts';
import { startUpstream } from './processes.ts';
import { SCENARIOS } from './scenarios.ts';
import { readSettings } from './settings.ts';

interface SchemaBuild {
  readonly importMs: number;
  readonly modelMs: number;
  readonly buildMs: number;
  readonly buildCpuMs: number;
  readonly types: number;
  readonly heapMb: number;
  readonly rssMb: number;
}
interface Round {
  readonly first: 'current' | 'baseline';
  readonly start: Record<'current' | 'baseline', ColdStartRun>;
  readonly schema: Record<'current' | 'baseline', SchemaBuild>;
}

const settings = readSettings(process.env);
const log = (msg: string) => process.stderr.write(`[cold-compare] ${msg}\n`);
const checkout = (dir: string, name: string) => {
  const root = resolve(dir);
  if (!existsSync(join(root, 'src', 'main.ts'))) throw new Error(`${name} must be a checkout of this repository (no src/main.ts in ${root})`);
  return root;
};
if (!process.env['BENCH_BASELINE']) throw new Error('BENCH_BASELINE=/path/to/checkout is required');
const roots = { current: checkout(process.env['BENCH_CURRENT'] ?? settings.root, 'BENCH_CURRENT'), baseline: checkout(process.env['BENCH_BASELINE'], 'BENCH_BASELINE') };
const warmRounds = Number(process.env['BENCH_COLD'] ?? '9');
if (!Number.isInteger(warmRounds) || warmRounds < 1 || warmRounds > 50) throw new Error('BENCH_COLD must be 1..50 rounds');
const alternateBuilds = Number(process.env['BENCH_COLD_ALTERNATE'] ?? '15');
if (!Number.isInteger(alternateBuilds) || alternateBuilds < 0 || alternateBuilds > 100) throw new Error('BENCH_COLD_ALTERNATE must be 0..100 builds');
const SIDES = ['current', 'baseline'] as const;
interface Alternating {
  readonly cpuMs: [number[], number[]];
  readonly wallMs: [number[], number[]];
}

function schemaBuild(root: string): SchemaBuild {
  const out = execFileSync(settings.nodeBin, ['--expose-gc', join(settings.root, 'bench', 'schema-build-process.ts'), root], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as SchemaBuild;
}

async function main(): Promise<void> {
  mkdirSync(settings.outDir, { recursive: true });
  const loadAtStart = loadavg().map((n) => n.toFixed(2)).join(' / ');
  const upstream = await startUpstream(settings.root, settings.nodeBin, { patients: settings.patients, seed: settings.seed, latencyMs: 0 });
  const caches = { current: mkdtempSync(join(settings.outDir, 'compile-cache-current-')), baseline: mkdtempSync(join(settings.outDir, 'compile-cache-baseline-')) };
  const s1 = SCENARIOS[0]!;
  const o = { nodeBin: settings.nodeBin, nodeFlags: settings.gatewayNodeFlags, outDir: settings.outDir, upstreamUrl: upstream.baseUrl, query: s1.query, isAnswer: (d: Record<string, unknown>) => s1.countGraphql(d) === 1 };
  const rounds: Round[] = [];
  try {
    for (let r = 0; r <= warmRounds; r++) {
      const order = r % 2 === 0 ? SIDES : ([...SIDES].reverse() as unknown as typeof SIDES);
      const start = {} as Round['start'];
      const schema = {} as Round['schema'];
      for (const side of order) start[side] = await coldStartOnce(o, roots[side], caches[side], r === 0 ? 'empty' : 'warm');
      for (const side of order) schema[side] = schemaBuild(roots[side]);
      rounds.push({ first: order[0], start, schema });
      log(`round ${r}: ${order.map((side) => `${side} ${Math.round(start[side].firstAnswerMs)} ms (CPU ${Math.round(start[side].cpuMs ?? NaN)}) / ${start[side].idleRssMb?.toFixed(0)} MB / build ${Math.round(schema[side].buildMs)} ms (CPU ${Math.round(schema[side].buildCpuMs)})`).join(', ')}`);
    }
  } finally {
    await upstream.stop();
    for (const dir of Object.values(caches)) rmSync(dir, { recursive: true, force: true });
  }
  let alternating: Alternating | undefined;
  if (alternateBuilds > 0) {
    const out = execFileSync(settings.nodeBin, ['--expose-gc', join(settings.root, 'bench', 'schema-build-alternating.ts'), roots.current, roots.baseline, String(alternateBuilds)], {
      cwd: roots.current,
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
    alternating = JSON.parse(out.trim().split('\n').at(-1)!) as Alternating;
  }
  const report = render(rounds, loadAtStart, alternating);
  process.stdout.write(report);
  writeFileSync(join(settings.outDir, 'cold-compare.md'), report);
  writeFileSync(join(settings.outDir, 'cold-compare.json'), JSON.stringify({ roots, rounds, alternating }, null, 2) + '\n');
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: readonly number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

function render(rounds: readonly Round[], loadAtStart: string, alternating: Alternating | undefined): string {
  const warm = rounds.slice(1);
  const describe = (root: string) => {
    try {
      return execFileSync('git', ['-C', root, 'log', '-1', '--format=%h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'not a git checkout';
    }
  };
  const metrics: Array<[string, (r: Round, side: 'current' | 'baseline') => number | undefined, number]> = [
    ['spawn → listening (ms)', (r, s) => r.start[s].listenMs, 0],
    ['spawn → first answer (ms)', (r, s) => r.start[s].firstAnswerMs, 0],
    ['gateway CPU to first answer (ms)', (r, s) => r.start[s].cpuMs, 0],
    ['RSS after an idle second (MB)', (r, s) => r.start[s].idleRssMb, 1],
    ['peak RSS (MB)', (r, s) => r.start[s].peakRssMb, 1],
    ['schema: import (ms)', (r, s) => r.schema[s].importMs, 0],
    ['schema: model (ms)', (r, s) => r.schema[s].modelMs, 0],
    ['schema: build (ms)', (r, s) => r.schema[s].buildMs, 0],
    ['schema: build CPU (ms)', (r, s) => r.schema[s].buildCpuMs, 0],
    ['schema: heap after GC (MB)', (r, s) => r.schema[s].heapMb, 1],
    ['schema: types', (r, s) => r.schema[s].types, 0],
  ];
  const row = (name: string, of: (r: Round, side: 'current' | 'baseline') => number | undefined, digits: number, set: readonly Round[]) => {
    const pairs = set.map((r) => [of(r, 'current'), of(r, 'baseline')] as const).filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
    const cur = pairs.map((p) => p[0]);
    const base = pairs.map((p) => p[1]);
    const ratios = pairs.map(([c, b]) => c / b);
    return `| ${name} | ${median(cur).toFixed(digits)} (${spread(cur, digits)}) | ${median(base).toFixed(digits)} (${spread(base, digits)}) | ${median(ratios).toFixed(3)} (${spread(ratios, 3)}) |`;
  };
  const table = (set: readonly Round[]) => [
    '| | current: median (min–max) | baseline: median (min–max) | current / baseline, per round: median (min–max) |',
    '| --- | ---: | ---: | ---: |',
    ...metrics.map(([name, of, digits]) => row(name, of, digits, set)),
  ].join('\n');
  const alternated = (name: string, [cur, base]: [number[], number[]]) => {
    const ratios = cur.map((c, i) => c / base[i]!);
    return `| ${name} | ${median(cur).toFixed(0)} (${spread(cur, 0)}) | ${median(base).toFixed(0)} (${spread(base, 0)}) | ${median(ratios).toFixed(3)} (${spread(ratios, 3)}) |`;
  };
  const alternatedPart = alternating === undefined ? [] : [
    `## ${alternating.cpuMs[0].length} warm schema builds per side, alternated in one process`,
    '',
    '| | current: median (min–max) | baseline: median (min–max) | current / baseline, per pair: median (min–max) |',
    '| --- | ---: | ---: | ---: |',
    alternated('build CPU (ms)', alternating.cpuMs),
    alternated('build wall (ms)', alternating.wallMs),
    '',
  ];
  return [
    `# Cold start: current against baseline, interleaved`,
    '',
    `- current: ${roots.current} (${describe(roots.current)}); baseline: ${roots.baseline} (${describe(roots.baseline)})`,
    `- ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${execFileSync(settings.nodeBin, ['--version'], { encoding: 'utf8' }).trim()}, load average (1/5/15 min) ${loadAtStart} at the start, ${loadavg().map((n) => n.toFixed(2)).join(' / ')} at the end`,
    `- gateway: \`${settings.nodeBin} ${settings.gatewayNodeFlags.join(' ')} src/main.ts --source demo=<upstream>\`; first answer = scenario 1 with data; the side that starts first alternates every round`,
    '',
    `## ${warm.length} rounds with warm compile caches (a restart)`,
    '',
    table(warm),
    '',
    '## Round 0: empty compile caches (the first start after a deploy)',
    '',
    table(rounds.slice(0, 1)),
    '',
    ...alternatedPart,
  ].join('\n');
}

const watchdog = setTimeout(() => {
  log('watchdog: still running after 20 min, giving up');
  process.exit(3);
}, 20 * 60_000);
watchdog.unref();
await main();
