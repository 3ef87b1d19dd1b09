// Hostile clients, fuzzed (issue 9): 10,000 generated requests against the real gateway in front of a real FHIR
// upstream (Medplum's in-memory server over loopback, 20 seeded patients): grammar-valid documents built from the
// gateway's own schema, the same documents mutated byte by byte, documents near the size limits and malformed request
// envelopes; on /graphql, /fhir/$graphql and /fhir/Patient/{id}/$graphql; over the real socket to the gateway running
// as its own process, started as an operator starts it (`node <start-script flags> src/main.ts`); 6,000 against the
// default configuration and 4,000 against NODE_ENV=production (no introspection). Every answer must be below 500 and
// spec-shaped (test/hostile/fuzz/check.ts), /health must answer during the run, the gateway must answer a normal query
// exactly as before at the end, and the gateway process's peak RSS (VmHWM) must stay under 1 GB.
//
// Reproducible: each case draws from its own PRNG seeded from the run's seed and its index. On a failure the seed and
// the case indexes are printed; replay one case with FUZZ_SEED=<seed> FUZZ_CASE=<index> npx vitest run test/hostile/fuzz
// (FUZZ_COUNT=<n> changes the number of cases). What the fuzzer found is kept below as named regression cases.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryOf, startGateway, waitReady, type GatewayHandle } from '../../bench/processes.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { checkAnswer, FuzzStats, sortedCounts, type Answer } from './fuzz/check.ts';
import { generateCase, type FuzzCase, type FuzzRequest } from './fuzz/cases.ts';
import { indexSchema, type SchemaIndex } from './fuzz/documents.ts';
import { caseSeed, createRng } from './fuzz/prng.ts';
import { CANARY_PATIENT, PATIENT_COUNT } from './fuzz/values.ts';

const SEED = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) >>> 0 : 0x5eed0009;
const ONLY_CASE = process.env['FUZZ_CASE'] !== undefined ? Number(process.env['FUZZ_CASE']) : undefined;
const TOTAL = Number(process.env['FUZZ_COUNT'] ?? 10_000);
/** Cases [0, DEFAULT_CASES) run against the default configuration, the rest against NODE_ENV=production. */
const DEFAULT_CASES = Math.round(TOTAL * 0.6);
/** Requests in flight at once. */
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 20_000;
const HEALTH_EVERY = 500;

/*
 * Memory. The fuzzed gateway is a process of its own (the upstream and this test run elsewhere), so its peak RSS —
 * VmHWM in /proc, the kernel's own high-water mark, read after the run — is the gateway's and nothing else's; V8 is
 * left alone (no forced collections), with the node flags of `npm start`.
 */
const RSS_LIMIT_MB = 1024;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Node flags of the start script (`node --max-semi-space-size=16 src/main.ts`), so the gateway runs as `npm start` runs it. */
const START_FLAGS = ((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start)
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--'));
const runs: { label: string; stats: FuzzStats; ms: number; peakMb: number }[] = [];

afterAll(() => {
  if (runs.length === 0) return;
  const count = runs.reduce((n, r) => n + r.stats.count, 0);
  const ms = runs.reduce((n, r) => n + r.ms, 0);
  const statuses = new Map<number, number>();
  for (const r of runs) for (const [k, v] of r.stats.statuses) statuses.set(k, (statuses.get(k) ?? 0) + v);
  console.log(
    `fuzz total: seed=0x${SEED.toString(16)} ${count} requests in ${(ms / 1000).toFixed(1)} s (${Math.round(count / (ms / 1000))} req/s), ` +
      `gateway peak RSS ${runs.map((r) => `${r.label} ${Math.round(r.peakMb)} MB`).join(', ')}; statuses ${sortedCounts(statuses)}`,
  );
});

/** A gateway to send to: the in-process one of the fixture (yoga.fetch), or one reached over the socket. */
type Target = { readonly fixture: Fixture } | { readonly url: string };

/** Sends one request; the answer read whole. */
async function send(target: Target, request: FuzzRequest): Promise<Answer> {
  const init: RequestInit = {
    method: request.method,
    headers: request.headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS + 1000);
  });
  try {
    const res = await Promise.race([
      'url' in target ? fetch(`${target.url}${request.path}`, init) : target.fixture.gateway.app.yoga.fetch(`http://127.0.0.1${request.path}`, init),
      hung,
    ]);
    const text = await Promise.race([res.text(), hung]);
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, method: request.method.toUpperCase(), path: request.path, headers: res.headers };
  } finally {
    clearTimeout(timer);
  }
}

function describeRequest(c: FuzzCase): string {
  const { method, path, headers, body } = c.request;
  const text = body === undefined ? '' : typeof body === 'string' ? body : `<${body.length} bytes>`;
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);
  return `${method} ${clip(path, 300)} ${JSON.stringify(headers)} ${clip(text, 600)}`;
}

async function runCase(url: string, index: SchemaIndex, caseIndex: number, stats: FuzzStats): Promise<void> {
  const c = generateCase(createRng(caseSeed(SEED, caseIndex)), index, caseIndex);
  const started = performance.now();
  let answer: Answer;
  try {
    answer = await send({ url }, c.request);
  } catch (error) {
    stats.record(caseIndex, c.kind, performance.now() - started, 0, []);
    stats.fail({ caseIndex, kind: c.kind, problems: [`no answer: ${(error as Error).message}`], request: describeRequest(c) });
    return;
  }
  const { problems, codes, executed } = checkAnswer(answer);
  if (ONLY_CASE !== undefined) console.log(`case ${caseIndex} (${c.kind}): ${describeRequest(c)}\n  -> HTTP ${answer.status} ${answer.text.slice(0, 4000)}`);
  stats.record(caseIndex, c.kind, performance.now() - started, answer.status, codes, executed);
  if (problems.length > 0) {
    const headers = [...(answer.headers?.entries() ?? [])].map(([k, v]) => `${k}: ${v}`).join(' | ');
    stats.fail({ caseIndex, kind: c.kind, problems, request: `${describeRequest(c)}\n    answer headers: ${headers}` });
  }
}

async function checkHealth(url: string, stats: FuzzStats, caseIndex: number): Promise<void> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status?: string };
    if (res.status !== 200 || body.status !== 'pass') throw new Error(`HTTP ${res.status} ${JSON.stringify(body)}`);
  } catch (error) {
    stats.fail({ caseIndex, kind: 'health', problems: [`/health failed: ${(error as Error).message}`], request: 'GET /health' });
  }
}

/** Cases [from, to) with CONCURRENCY in flight; /health every HEALTH_EVERY cases. */
async function runCases(url: string, index: SchemaIndex, from: number, to: number, stats: FuzzStats): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const caseIndex = next++;
      if ((caseIndex - from) % HEALTH_EVERY === 0) await checkHealth(url, stats, caseIndex);
      await runCase(url, index, caseIndex, stats);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const CANARY_QUERY = `{ Patient(id: "${CANARY_PATIENT}") { id gender birthDate name { family given } } PatientList(_id: "${CANARY_PATIENT}") { id ObservationList(_reference: subject, _count: 3, _sort: "_id") { id status } } }`;

function report(label: string, stats: FuzzStats, ms: number, memory: { rssMb: number; peakMb: number } | undefined): string {
  const kinds = [...stats.kinds].map(([k, s]) => `${k}:${s.count}/${s.executed}/${Math.round(s.totalMs / s.count)}ms/${Math.round(s.maxMs)}ms`).join(' ');
  return (
    `fuzz ${label}: seed=0x${SEED.toString(16)} ${stats.count} requests in ${(ms / 1000).toFixed(1)} s ` +
    `(${Math.round(stats.count / (ms / 1000))} req/s), gateway RSS peak ${Math.round(memory?.peakMb ?? NaN)} MB (now ${Math.round(memory?.rssMb ?? NaN)} MB); ` +
    `statuses ${sortedCounts(stats.statuses)}; ` +
    `codes ${sortedCounts(stats.codes)}; kinds (count/executed/avg/max latency) ${kinds}; ` +
    `slowest ${stats.slowest.map((s) => `#${s.caseIndex}(${s.kind}) ${Math.round(s.ms)}ms`).join(', ')}`
  );
}

function failureReport(label: string, stats: FuzzStats): string {
  return [
    `${stats.failureCount} failing answers in the ${label} run (seed 0x${SEED.toString(16)}); replay one with FUZZ_SEED=${SEED} FUZZ_CASE=<case>:`,
    `  problems: ${sortedCounts(stats.problemKinds)}`,
    ...stats.failures.map((f) => `  case ${f.caseIndex} (${f.kind}): ${f.problems.join('; ')}\n    ${f.request}`),
  ].join('\n');
}

// --- regression cases: what the fuzzer found, minimised, with fixed inputs (always run, in both configurations) ----

interface Regression {
  readonly name: string;
  readonly request: FuzzRequest;
  readonly status: number;
  /** extensions.code of the first error; undefined: no errors. */
  readonly code: string | undefined;
  readonly check?: (body: Record<string, any>, f: Fixture) => void;
}

const json = (body: unknown, accept = 'application/graphql-response+json, application/json'): Pick<FuzzRequest, 'headers' | 'body'> => ({
  headers: { 'content-type': 'application/json', accept },
  body: JSON.stringify(body),
});
const post = (body: unknown, accept?: string): FuzzRequest => ({ method: 'POST', path: '/graphql', ...json(body, accept) });
const RESPONSE_JSON = 'application/graphql-response+json';

const REGRESSIONS: readonly Regression[] = [
  {
    // case 344 (`Patient(id: ".")` read `[base]/Patient/`, a search); the same id in a write went further
    name: "an id of '.' is BAD_USER_INPUT: PatientDelete(id: \".\") went out as DELETE [base]/Patient/, a conditional delete without criteria",
    request: post({ query: 'mutation { PatientDelete(id: ".") { id } }' }),
    status: 200,
    code: 'BAD_USER_INPUT',
    check: (_body, f) => expect(f.calls()).toEqual([]),
  },
  {
    name: "an id of '..' is BAD_USER_INPUT: PatientUpdate(id: \"..\") went out as PUT [base]/",
    request: post({ query: 'mutation { PatientUpdate(id: "..", res: { name: [{ family: "Dot" }] }) { id } }' }),
    status: 200,
    code: 'BAD_USER_INPUT',
    check: (_body, f) => expect(f.calls()).toEqual([]),
  },
  {
    name: "a reference to 'Practitioner/..' is UNRESOLVABLE_REFERENCE, not a read of the base URL",
    request: post({ query: 'mutation { PatientCreate(res: { generalPractitioner: [{ reference: "Practitioner/.." }] }) { generalPractitioner { resource { id } } } }' }),
    status: 200,
    code: 'UNRESOLVABLE_REFERENCE',
    check: (_body, f) => expect(f.calls().map((c) => `${c.method} ${c.url}`)).toEqual(['POST /Patient']),
  },
  {
    // case 453: a URIError from encodeURIComponent in search-query.ts, masked as INTERNAL_SERVER_ERROR
    name: 'a lone surrogate in a search value (a variable) is BAD_USER_INPUT, not an unexpected error',
    request: post({ query: 'query ($v: String) { PatientConnection(_security: $v) { count } }', variables: { v: '\udfff' } }),
    status: 200,
    code: 'BAD_USER_INPUT',
    check: (body) => expect(body['data']).toEqual({ PatientConnection: null }),
  },
  {
    name: 'a lone surrogate in a reverse-reference search value is BAD_USER_INPUT',
    request: post({
      query: `query ($v: String) { Patient(id: "${CANARY_PATIENT}") { id ObservationList(_reference: subject, code: $v) { id } } }`,
      variables: { v: 'a\ud800b' },
    }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    // case 47: graphql-js's variable coercion errors had no extensions.code and were HTTP 200 under graphql-response+json
    name: 'a variable that does not coerce is BAD_USER_INPUT, 400 under application/graphql-response+json',
    request: post({ query: 'query ($b: Boolean!) { __typename @include(if: $b) }', variables: { b: 'yes' } }, RESPONSE_JSON),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'a variable that does not coerce is BAD_USER_INPUT, 200 under legacy application/json',
    request: post({ query: 'query ($s: String) { PatientList(family: $s) { id } }', variables: { s: [1, 'a'] } }, 'application/json'),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'a required variable not given is BAD_USER_INPUT on the instance-level $graphql (400)',
    request: { method: 'POST', path: `/fhir/Patient/${CANARY_PATIENT}/$graphql`, ...json({ query: 'query ($b: Boolean!) { id @include(if: $b) }' }) },
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    // case 2632: yoga's GET parser JSON.parse'd `variables`/`extensions` unguarded; the SyntaxError was masked
    name: 'GET with `extensions` that are not JSON is INVALID_JSON (400), not an unexpected error',
    request: { method: 'GET', path: '/graphql?query=%7B__typename%7D&extensions=x', headers: { accept: RESPONSE_JSON } },
    status: 400,
    code: 'INVALID_JSON',
    check: (body) => expect(body['errors'][0].message).toMatch(/'extensions'/),
  },
  {
    name: 'GET with `variables` that are not JSON is INVALID_JSON (400) on /fhir/$graphql too',
    request: { method: 'GET', path: '/fhir/$graphql?query=%7B__typename%7D&variables=%7B', headers: {} },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    // case 33: yoga executed the operation (a mutation's write included) and then answered 406 with an empty body
    name: 'Accept: text/html on a POST gets the result in JSON, not an empty 406 after executing',
    request: post({ query: `{ Patient(id: "${CANARY_PATIENT}") { id } }` }, 'text/html'),
    status: 200,
    code: undefined,
    check: (body) => expect(body['data']).toEqual({ Patient: { id: CANARY_PATIENT } }),
  },
  {
    name: 'Accept: application/xml and an invalid document: a JSON validation error',
    request: post({ query: '{ nope }' }, 'application/xml'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    // case 8661: yoga matches media types case-sensitively and answered an empty 415
    name: 'Content-Type: APPLICATION/JSON is a JSON 415 UNSUPPORTED_MEDIA_TYPE, not an empty one',
    request: { method: 'POST', path: '/graphql', headers: { 'content-type': 'APPLICATION/JSON' }, body: '{"query":"{ __typename }"}' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a POST without Content-Type and body is a JSON 415',
    request: { method: 'POST', path: '/fhir/$graphql', headers: {} },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
];

async function runRegression(f: Fixture, r: Regression): Promise<void> {
  f.resetCalls();
  const answer = await send({ fixture: f }, r.request);
  expect(checkAnswer(answer).problems, answer.text).toEqual([]);
  expect(answer.status, answer.text).toBe(r.status);
  const body = JSON.parse(answer.text) as Record<string, any>;
  expect(body['errors']?.[0]?.extensions?.code, answer.text).toBe(r.code);
  r.check?.(body, f);
}

// --- the runs -------------------------------------------------------------------------------------------------

for (const config of [
  { label: 'default', env: undefined, from: 0, to: DEFAULT_CASES },
  { label: 'production', env: { NODE_ENV: 'production' }, from: DEFAULT_CASES, to: TOTAL },
] as const) {
  const from = ONLY_CASE === undefined ? config.from : ONLY_CASE;
  const to = ONLY_CASE === undefined ? config.to : ONLY_CASE + 1;
  const fuzzesHere = from >= config.from && to <= config.to && from < to;

  describe(`fuzzed requests, ${config.label} configuration`, () => {
    // The fixture's in-process gateway answers the regression cases (they count upstream calls) and gives the schema;
    // the fuzz goes to `fuzzed`, the same gateway as its own process in front of the same upstream.
    // Cleared after the run: the stopped app (its schema above all) must not stay reachable into the next configuration.
    let f: Fixture | undefined;
    let fuzzed: GatewayHandle | undefined;
    let index: SchemaIndex | undefined;
    let canary: unknown;

    const gql = async (url: string, query: string) => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query }) });
      return { status: res.status, ...((await res.json()) as { data?: unknown; errors?: unknown }) };
    };

    beforeAll(async () => {
      f = await startFixture({ sources: { demo: { patients: PATIENT_COUNT } }, ...(config.env ? { env: config.env } : {}) });
      index = indexSchema(f.gateway.app.yoga.getEnveloped({} as never).schema);
      if (!fuzzesHere) return;
      fuzzed = await startGateway(ROOT, process.execPath, f.upstreams['demo']!.baseUrl, {
        nodeFlags: START_FLAGS,
        ...(config.env ? { env: config.env } : {}),
      });
      await waitReady(fuzzed.url);
      const res = await gql(fuzzed.url, CANARY_QUERY);
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      canary = res.data;
    });
    afterAll(async () => {
      await fuzzed?.stop();
      await f?.stop();
      f = undefined;
      index = undefined;
    });

    for (const r of REGRESSIONS) it(`regression: ${r.name}`, () => runRegression(f!, r));

    it.runIf(fuzzesHere)(`${to - from} fuzzed requests: no 5xx, no crash, spec-shaped errors, gateway RSS under 1 GB`, { timeout: 180_000 }, async () => {
      const url = fuzzed!.url;
      const stats = new FuzzStats();
      const started = performance.now();
      await runCases(url, index!, from, to, stats);
      const ms = performance.now() - started;
      const memory = memoryOf(fuzzed!.pid);
      runs.push({ label: config.label, stats, ms, peakMb: memory?.peakMb ?? NaN });
      console.log(report(config.label, stats, ms, memory));

      // still serving: a normal query answers exactly as before the run
      const after = await gql(url, CANARY_QUERY);
      expect({ status: after.status, errors: after.errors, data: after.data }).toEqual({ status: 200, errors: undefined, data: canary });
      expect((await fetch(`${url}/ready`)).status).toBe(200);

      expect(stats.failureCount, failureReport(config.label, stats)).toBe(0);
      expect(stats.count).toBe(to - from);
      expect(memory, 'the gateway process\'s memory (Linux /proc)').toBeDefined();
      expect(memory!.peakMb, `gateway peak RSS ${Math.round(memory!.peakMb)} MB`).toBeLessThan(RSS_LIMIT_MB);
    });
  });
}
