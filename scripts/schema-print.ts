/**
 * Prints the generated schema to schema/schema.graphql (sorted), or with --check fails when the committed
 * file (or the committed FHIR model it is generated from) is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildSchema, printSortedSchema } from '../src/graphql/build-schema.ts';
import { loadFhirModel } from '../src/fhir/model/load-model.ts';
import { buildFhirModel, modelPath } from './build-fhir-model.ts';

const schemaPath = new URL('../schema/schema.graphql', import.meta.url);
const check = process.argv.includes('--check');

function readOrEmpty(path: URL): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const model = JSON.stringify(buildFhirModel()) + '\n';
const sdl = printSortedSchema(buildSchema(loadFhirModel()));
if (check) {
  const problems: string[] = [];
  if (readOrEmpty(modelPath) !== model) problems.push('src/fhir/model/r4-model.json is stale');
  if (readOrEmpty(schemaPath) !== sdl) problems.push('schema/schema.graphql is stale');
  if (problems.length > 0) {
    console.error(`${problems.join('; ')}: run \`npm run schema:print\` and commit the result.`);
    process.exit(1);
  }
  console.log('schema/schema.graphql and the FHIR model are current.');
} else {
  writeFileSync(modelPath, model);
  writeFileSync(schemaPath, printSortedSchema(buildSchema(JSON.parse(model))));
  console.log(`Wrote ${modelPath.pathname} and ${schemaPath.pathname} (${(sdl.length / 1e6).toFixed(1)} MB).`);
}
