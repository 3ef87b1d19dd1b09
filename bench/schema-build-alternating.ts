// The schema builds of two checkouts alternated in ONE process (for bench/cold-compare.ts): argv[2] and argv[3] are
// the checkouts, argv[4] the builds per side. Each checkout's schema modules are imported from its own files (two
// module instances over one set of packages); after one build each (not counted: the first build also compiles), the
// builds alternate A B B A A B ..., each timed in CPU (user + system, all threads) and wall time after a full GC
// (--expose-gc). Warm builds: the structural cost of what one checkout builds more than the other, with less of the
// machine's noise than a fresh process per build. Prints one JSON line.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [a, b, n] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? '10')];
if (a === undefined || b === undefined) throw new Error('usage: node --expose-gc bench/schema-build-alternating.ts <checkout A> <checkout B> [builds per side]');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
async function builderOf(root: string): Promise<() => void> {
  const at = (path: string) => pathToFileURL(join(root, path)).href;
  const { loadFhirModel } = (await import(at('src/fhir/model/load-model.ts'))) as typeof import('../src/fhir/model/load-model.ts');
  const { buildSchema } = (await import(at('src/graphql/build-schema.ts'))) as typeof import('../src/graphql/build-schema.ts');
  const model = loadFhirModel();
  return () => void buildSchema(model);
}
const sides = [await builderOf(a), await builderOf(b)] as const;
for (const build of sides) build();
const out = { cpuMs: [[], []] as number[][], wallMs: [[], []] as number[][] };
for (let i = 0; i < n; i++) {
  for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
    gc();
    const cpu = process.cpuUsage();
    const t = performance.now();
    sides[k]!();
    out.wallMs[k]!.push(performance.now() - t);
    const { user, system } = process.cpuUsage(cpu);
    out.cpuMs[k]!.push((user + system) / 1000);
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
