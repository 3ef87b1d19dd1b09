// One fuzz case = one HTTP request, generated from its own seeded PRNG: a grammar-valid document (POST or GET, on
// /graphql, /fhir/$graphql or /fhir/Patient/{id}/$graphql), a byte-mutated one, a document near the size limits, or a
// malformed request envelope (bad JSON, wrong parameter types, odd methods, media types and query strings).
import { generateInstanceRequest, generateLargeRequest, generateRequest, type GraphQLRequestBody, type SchemaIndex } from './documents.ts';
import { mutateText } from './mutate.ts';
import type { Rng } from './prng.ts';
import { PATIENT_IDS } from './values.ts';

export interface FuzzRequest {
  readonly method: string;
  /** Path and query string, e.g. `/graphql?query=...`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array<ArrayBuffer>;
}

export type CaseKind = 'valid' | 'valid-get' | 'system-$graphql' | 'instance-$graphql' | 'mutated' | 'large' | 'envelope';

export interface FuzzCase {
  readonly kind: CaseKind;
  readonly request: FuzzRequest;
}

const ACCEPTS: readonly (readonly [string | undefined, number])[] = [
  ['application/graphql-response+json, application/json', 6], ['application/json', 3], [undefined, 2], ['*/*', 1],
  ['application/graphql-response+json', 1], ['text/event-stream', 0.5], ['multipart/mixed', 0.3], ['text/html', 0.3], ['application/xml', 0.3],
  ['application/json;q=0, text/plain', 0.2],
];

function headers(rng: Rng, contentType: string | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  const accept = rng.weighted(ACCEPTS);
  if (accept !== undefined) h['accept'] = accept;
  if (contentType !== undefined) h['content-type'] = contentType;
  return h;
}

const instancePath = (rng: Rng) => `/fhir/Patient/${rng.chance(0.9) ? rng.pick(PATIENT_IDS) : rng.pick(['pat-99999', 'obs-0001-01', 'x'.repeat(64)])}/$graphql`;

function post(rng: Rng, path: string, body: GraphQLRequestBody): FuzzRequest {
  return { method: 'POST', path, headers: headers(rng, rng.chance(0.95) ? 'application/json' : rng.pick(['application/json; charset=utf-8', 'application/graphql+json'])), body: JSON.stringify(body) };
}

function get(rng: Rng, path: string, body: GraphQLRequestBody): FuzzRequest {
  const params = new URLSearchParams({ query: body.query });
  if (body.variables) params.set('variables', JSON.stringify(body.variables));
  if (body.operationName) params.set('operationName', body.operationName);
  return { method: 'GET', path: `${path}?${params}`, headers: headers(rng, undefined) };
}

/** The request body of a valid document with its query mutated (sometimes the variables' JSON text instead). */
function mutated(rng: Rng, index: SchemaIndex): { path: string; body: GraphQLRequestBody } {
  const instance = rng.chance(0.1);
  const path = instance ? instancePath(rng) : rng.chance(0.85) ? '/graphql' : '/fhir/$graphql';
  const source = instance ? generateInstanceRequest(rng, index) : generateRequest(rng, index);
  return { path, body: { ...source, query: mutateText(rng, source.query) } };
}

export function generateCase(rng: Rng, index: SchemaIndex, caseIndex: number): FuzzCase {
  rng.chance(0.1); // was the choice of transport; drawn still, so that case numbers name the cases of earlier runs
  const kind = rng.weighted<CaseKind>([
    ['valid', 44], ['valid-get', 5], ['system-$graphql', 5], ['instance-$graphql', 7], ['mutated', 27], ['large', 1.5], ['envelope', 10.5],
  ]);
  switch (kind) {
    case 'valid':
      return { kind, request: post(rng, '/graphql', generateRequest(rng, index)) };
    case 'valid-get':
      return { kind, request: get(rng, rng.chance(0.8) ? '/graphql' : '/fhir/$graphql', generateRequest(rng, index)) };
    case 'system-$graphql':
      return { kind, request: post(rng, rng.chance(0.9) ? '/fhir/$graphql' : '/fhir/%24graphql', generateRequest(rng, index)) };
    case 'instance-$graphql': {
      const body = generateInstanceRequest(rng, index);
      return { kind, request: rng.chance(0.85) ? post(rng, instancePath(rng), body) : get(rng, instancePath(rng), body) };
    }
    case 'mutated': {
      const { path, body } = mutated(rng, index);
      return { kind, request: rng.chance(0.9) ? post(rng, path, body) : get(rng, path, body) };
    }
    case 'large':
      return { kind, request: post(rng, rng.chance(0.9) ? '/graphql' : '/fhir/$graphql', generateLargeRequest(rng, caseIndex)) };
    case 'envelope':
      return { kind, request: envelope(rng, index) };
  }
}

const deep = (depth: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const deepObject = (depth: number): unknown => {
  let v: unknown = { resourceType: 'Patient' };
  for (let i = 0; i < depth; i++) v = { extension: [{ url: 'u', extension: [v] }] };
  return v;
};

/** A malformed or unusual request envelope. */
function envelope(rng: Rng, index: SchemaIndex): FuzzRequest {
  const path = rng.weighted<string>([['/graphql', 8], ['/fhir/$graphql', 1], [instancePathFixed(rng), 1]]);
  const q = '{ __typename }';
  const json = (value: unknown) => JSON.stringify(value);
  const raw = (body: string | Uint8Array<ArrayBuffer>, contentType: string | undefined = 'application/json'): FuzzRequest => ({ method: 'POST', path, headers: headers(rng, contentType), body });
  const build = rng.pick<() => FuzzRequest>([
    () => raw(rng.pick(['{', '}', '[', '{"query":', '{"query": "{ __typename }"', 'nul', '{"query": "\\u00"}', '{"query": "\\ud800"}', "{'query': 1}", '{"query": "x",}', ''])),
    () => raw(rng.pick(['[]', '"{ __typename }"', '123', 'null', 'true', '1e999', '-0', '{}', '[{"query": "{ __typename }"}]', '[1, 2]'])),
    () => raw(json({ query: rng.pick<unknown>([1, null, true, ['{ __typename }'], { query: q }, '', ' ', '\u0000', 1e999]) })),
    () => raw(json({ query: q, variables: rng.pick<unknown>(['x', '{}', '{"a":1}', [], [1], 5, true, { a: deep(rng.int(90, 400)) }, { a: '\ud800' }, { a: { b: null } }]) })),
    () => raw(`{"query": ${json(q)}, "variables": {"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}}`),
    () => raw(json({ query: q, operationName: rng.pick<unknown>(['x'.repeat(rng.pick([100, 10_000, 1_000_000])), 1, [], {}, '', 'Nope']) })),
    () => raw(json({ query: q, extensions: rng.pick<unknown>(['x', 1, [], { persistedQuery: { version: 1, sha256Hash: 'abc' } }, { a: deep(rng.int(90, 300)) }]) })),
    () => raw(json({ query: q, foo: 1, bar: { baz: deep(500) }, query2: q, id: 'x', documentId: 'abc' })),
    () => raw(`{"query": ${json(q)}, "query": "{ nope }"}`), // duplicate key
    () => raw(`\ufeff${json({ query: q })}`), // BOM
    () => raw(new Uint8Array([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])), // invalid UTF-8
    () => raw(Buffer.from(json({ query: q }), 'utf16le'), 'application/json; charset=utf-16'),
    () => raw(json({ query: q }), rng.pick([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/jsonx', ''])),
    () => raw('{ __typename }', 'application/graphql'),
    () => raw(json({ query: `query ($r: PatientCreate) { __typename @include(if: true) }`, variables: { r: deepObject(rng.int(20, 60)) } })),
    () => raw(json({ query: 'mutation ($r: PatientCreate!) { PatientCreate(res: $r) { id } }', variables: { r: rng.pick<unknown>([deepObject(rng.int(5, 60)), { contained: [{ resourceType: 'Patient', contained: [deep(50, {})] }] }, { name: 'x' }, { birthDate: 1 }, { gender: 'nope' }]) } })),
    () => {
      const method = rng.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'get', 'Post']);
      const withBody = method !== 'HEAD' && method !== 'get' && rng.chance(0.5);
      return { method, path, headers: headers(rng, 'application/json'), ...(withBody ? { body: json({ query: q }) } : {}) };
    },
    () => ({ method: 'GET', path: `${path}${rng.pick(['', '?', '?query', '?query=', '?query=%', '?query=%ZZ', '?query=%7B', '?query[]=a', '?query=%7B__typename%7D&query=%7Bx%7D', '?variables=%7B', '?query=%7B__typename%7D&variables=%5B%5D', '?query=%7B__typename%7D&variables=1', '?query=%7B__typename%7D&extensions=x', '?query=%7B__typename%7D&operationName=', '?query=mutation%7B__typename%7D', '?query=%00', '?query=%ED%A0%80', '?query=%C0%AF', '?&&&=&=', '?query=%7B__typename%7D#frag'])}`, headers: headers(rng, undefined) }),
    () => ({ method: 'GET', path: `${path}?query=${encodeURIComponent(`{ ${'__typename '.repeat(rng.pick([100, 2000, 12_000]))}}`)}`, headers: headers(rng, undefined) }),
    () => ({ method: 'GET', path: `${path}?query=${encodeURIComponent(q)}&${'x=1&'.repeat(rng.pick([10, 1000, 5000]))}`, headers: headers(rng, undefined) }),
    () => ({ method: 'POST', path: `${path}?query=${encodeURIComponent(q)}`, headers: headers(rng, 'application/json'), body: json({}) }),
    () => raw(json({ query: generateRequest(rng, index).query, variables: 'not an object' })),
  ]);
  return build();
}

const instancePathFixed = (rng: Rng) => rng.pick(['/fhir/Patient/pat-0002/$graphql', '/fhir/demo/Patient/pat-0003/$graphql', '/fhir/Nope/1/$graphql', '/fhir/Patient/$graphql', '/fhir/Patient/pat-0002/$graphql?_source=nope', '/fhir/a/b/c/d/$graphql']);
