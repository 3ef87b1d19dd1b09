// Deeply nested JSON (finding 9): a 100,000-level resource in a REST create/update/batch/patch was forwarded upstream
// and the upstream's "Maximum call stack size exceeded" passed back. Now limits.maxJsonDepth (100): JSON_TOO_DEEP (400)
// before anything is forwarded, and GraphQL variables (and extensions) nested too deep are JSON_TOO_DEEP before
// execution (src/http/json-depth.ts, use-json-limits.ts, fhir-rest/rest-request.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Fixture } from '../helpers/fixture.ts';
import { expectGraphQLError, expectNothingUpstream, expectOutcome, jsonOf, loggedFixture, postJson, STACK_FRAME } from './hostile-helpers.ts';

const DEPTH = 100_000;
/** A Patient whose `extension` nests `levels` arrays/objects below the resource (the resource itself is level 1). */
function deepPatient(levels: number): string {
  return `{"resourceType":"Patient","extension":${'[{"url":"x","extension":'.repeat(levels / 2)}[]${'}]'.repeat(levels / 2)}}`;
}
const DEEP_ARRAY = `{"resourceType":"Patient","x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
const FHIR_JSON = { 'content-type': 'application/fhir+json' };

describe('deeply nested JSON (production)', () => {
  let f: Fixture;
  const log = loggedFixture((fixture) => (f = fixture));
  beforeEach(() => {
    f.resetCalls();
    log.length = 0;
  });

  it('REST create, update, conditional update, batch and patch with 100,000 levels: 400 JSON_TOO_DEEP, nothing forwarded', async () => {
    const bundle = `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"POST","url":"Patient"},"resource":${DEEP_ARRAY}}]}`;
    const patch = `[{"op":"add","path":"/extension","value":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}]`;
    const attempts: Array<[string, string, string, string]> = [
      ['POST', '/fhir/Patient', DEEP_ARRAY, 'application/fhir+json'],
      ['POST', '/fhir/demo/Patient', deepPatient(DEPTH), 'application/json'],
      ['PUT', '/fhir/Patient/pat-0001', DEEP_ARRAY, 'application/fhir+json'],
      ['PUT', '/fhir/Patient?identifier=urn:x|1', DEEP_ARRAY, 'application/fhir+json'],
      ['POST', '/fhir', bundle, 'application/fhir+json'],
      ['PATCH', '/fhir/Patient/pat-0001', patch, 'application/json-patch+json'],
      ['PATCH', '/fhir/Patient?identifier=urn:x|1', patch, 'application/json-patch+json'],
    ];
    for (const [method, path, body, type] of attempts) {
      const outcome = await expectOutcome(f.fetch(path, { method, headers: { 'content-type': type }, body }), 400, 'JSON_TOO_DEEP', 'structure');
      expect(outcome.issue.map((i) => i.diagnostics).join(' ')).toMatch(/limits\.maxJsonDepth/);
      expect(JSON.stringify(outcome)).not.toMatch(/call stack|RangeError/i);
    }
    expectNothingUpstream(f);
    expect(log.filter((l) => l.level === 'error' || STACK_FRAME.test(l.text))).toEqual([]);
  });

  it('the bound is exact (100 levels pass, 101 do not) and brackets inside strings do not count', async () => {
    const levels101 = `{"resourceType":"Patient","x":${'['.repeat(100)}${']'.repeat(100)}}`;
    await expectOutcome(f.fetch('/fhir/Patient', { method: 'POST', headers: FHIR_JSON, body: levels101 }), 400, 'JSON_TOO_DEEP');
    expectNothingUpstream(f);
    const ok = await f.fetch('/fhir/Patient', { method: 'POST', headers: FHIR_JSON, body: deepPatient(98) }); // 100 levels
    expect(ok.status).toBe(201);
    const created = (await ok.json()) as { id: string };
    // 100,000 brackets inside a string (with escaped quotes around them) are text, not nesting
    const text = JSON.stringify({ resourceType: 'Patient', id: created.id, name: [{ text: `\\"${'['.repeat(DEPTH)}"{` }] });
    const updated = await f.fetch(`/fhir/Patient/${created.id}`, { method: 'PUT', headers: FHIR_JSON, body: text });
    expect(updated.status).toBe(200);
    await updated.text();
    expect(f.calls().map((c) => c.method)).toEqual(['POST', 'PUT']);
    await f.fetch(`/fhir/Patient/${created.id}`, { method: 'DELETE' }).then((r) => r.text());
  });

  it('GraphQL variables nested 100,000 deep: 400 JSON_TOO_DEEP before execution, on /graphql and /fhir/$graphql, POST and GET', async () => {
    let res: unknown = { url: 'x' };
    for (let i = 0; i < DEPTH / 2; i++) res = { url: 'x', extension: [res] };
    const mutation = 'mutation ($res: PatientCreate!) { PatientCreate(res: $res) { id } }';
    for (const path of ['/graphql', '/fhir/$graphql']) {
      // JSON.stringify recurses: build the text by hand
      const body = `{"query":${JSON.stringify(mutation)},"variables":{"res":{"extension":[${'{"url":"x","extension":['.repeat(DEPTH / 2)}{"url":"x"}${']}'.repeat(DEPTH / 2)}]}}}`;
      const { status, body: answer } = await jsonOf(postJson(f, path, body));
      expect(status, path).toBe(400);
      expectGraphQLError(answer, 'JSON_TOO_DEEP', 'structure');
      const ext = await jsonOf(postJson(f, path, `{"query":"{ __typename }","extensions":{"x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}}`));
      expect(ext.status).toBe(400);
      expectGraphQLError(ext.body, 'JSON_TOO_DEEP');
      const get = await jsonOf(f.fetch(`${path}?query=${encodeURIComponent('query ($v: String) { __typename }')}&variables=${encodeURIComponent(`{"v":${'['.repeat(2000)}${']'.repeat(2000)}}`)}`, {
        headers: { accept: 'application/graphql-response+json' },
      }));
      expect(get.status).toBe(400);
      expectGraphQLError(get.body, 'JSON_TOO_DEEP');
    }
    const instance = await jsonOf(postJson(f, '/fhir/Patient/pat-0001/$graphql', `{"query":"{ id }","variables":{"v":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}}`));
    expect(instance.status).toBe(400);
    expectGraphQLError(instance.body, 'JSON_TOO_DEEP');
    expectNothingUpstream(f);
    expect(log.filter((l) => l.level === 'error' || STACK_FRAME.test(l.text))).toEqual([]);
  });

  it('a deep input literal in the document is caught by the document nesting limit (400 DOCUMENT_TOO_DEEP)', async () => {
    const literal = `mutation { PatientCreate(res: { extension: ${'[{ url: "x", extension: '.repeat(1000)}[]${'}]'.repeat(1000)} }) { id } }`;
    const { status, body } = await jsonOf(postJson(f, '/graphql', { query: literal }));
    expect(status).toBe(400);
    expectGraphQLError(body, 'DOCUMENT_TOO_DEEP');
    expectNothingUpstream(f);
  });
});
