/**
 * Fails when the committed typed documents in test/gql/ are not what `npm run codegen` would write now
 * (a document in test/documents/ or schema/schema.graphql changed without regenerating). Runs the codegen
 * in memory and compares file by file; a file in test/gql/ that codegen no longer writes is stale too.
 *
 *   node scripts/codegen-check.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = 'test/gql/';
process.chdir(root); // codegen.ts paths are relative to the repository root

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

const started = performance.now();
const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as Array<{ filename: string; content: string }>;
const problems: string[] = [];
for (const { filename, content } of outputs) {
  const onDisk = readOrNull(filename);
  if (onDisk === null) problems.push(`${filename} is missing`);
  else if (onDisk !== content) problems.push(`${filename} is stale`);
}
const expected = new Set(outputs.map((o) => o.filename));
for (const name of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
  const path = `${outDir}${name}`;
  if (!expected.has(path) && name.endsWith('.ts')) problems.push(`${path} is no longer generated`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (problems.length > 0) {
  console.error(`${problems.join('; ')}: run \`npm run codegen\` and commit test/gql/.`);
  process.exit(1);
}
console.log(`test/gql/ is current (${outputs.length} files, codegen ${seconds} s).`);
