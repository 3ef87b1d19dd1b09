// One schema build in a fresh process, for the cold-start comparison (bench/cold-compare.ts): imports the schema
// modules of the checkout given as argv[2], loads the FHIR model and builds the schema as src/app.ts does at startup,
// and prints one JSON line: the milliseconds of each step (and the CPU of the build, all threads: GC helpers too), the schema's type count, the JS heap after a full GC
// (needs --expose-gc) and the RSS. Nothing is cached between processes: each run is a first build.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: node --expose-gc bench/schema-build-process.ts <checkout>');
const at = (path: string) => pathToFileURL(join(root, path)).href;
const t0 = performance.now();
const { loadFhirModel } = (await import(at('src/fhir/model/load-model.ts'))) as typeof import('../src/fhir/model/load-model.ts');
const { buildSchema } = (await import(at('src/graphql/build-schema.ts'))) as typeof import('../src/graphql/build-schema.ts');
const t1 = performance.now();
const model = loadFhirModel();
const t2 = performance.now();
const cpu = process.cpuUsage();
const schema = buildSchema(model);
const t3 = performance.now();
const { user, system } = process.cpuUsage(cpu);
(globalThis as { gc?: () => void }).gc?.();
const mb = (bytes: number) => bytes / 1024 / 1024;
process.stdout.write(`${JSON.stringify({
  importMs: t1 - t0,
  modelMs: t2 - t1,
  buildMs: t3 - t2,
  buildCpuMs: (user + system) / 1000,
  types: Object.keys(schema.getTypeMap()).length,
  heapMb: mb(process.memoryUsage().heapUsed),
  rssMb: mb(process.memoryUsage().rss),
})}\n`);
