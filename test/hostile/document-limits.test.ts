// Hostile documents (findings 1 and 8): multi-megabyte documents of millions of tokens crashed the process, distinct
// documents filled yoga's parse cache, and 10,000-level nesting answered 500 with a stack trace. Now: 413
// DOCUMENT_TOO_LARGE before parsing, TOO_MANY_TOKENS / DOCUMENT_TOO_DEEP (400) instead of an unbounded parse, and a
// parse cache bounded in bytes (src/http/use-document-limits.ts, document-cache.ts) — on /graphql, /fhir/$graphql and
// the instance level, POST and GET.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import {
  expectGraphQLError, expectNothingUpstream, heapAfterGc, jsonOf, MB, median, postJson, STACK_FRAME, loggedFixture,
} from './hostile-helpers.ts';

const ENDPOINTS = ['/graphql', '/fhir/$graphql', '/fhir/Patient/pat-0001/$graphql'] as const;

describe('hostile documents (production, default limits)', () => {
  let f: Fixture;
  const log = loggedFixture((fixture) => (f = fixture));

  it('three distinct 10 MB documents of ~3.5 M tokens, on each GraphQL endpoint: 413 DOCUMENT_TOO_LARGE, nothing parsed or kept', async () => {
    const before = heapAfterGc();
    f.resetCalls();
    const times: Record<string, number[]> = {};
    for (const path of ENDPOINTS) {
      for (let i = 0; i < 3; i++) {
        // 10,000,000 characters: `{ a a a ... }` (3.5 M tokens), as the finding sent them, each one distinct
        const query = `query Big${i} { ${'a '.repeat(3_500_000)}${' '.repeat(10_000_000 - 7_000_000 - 20)}}`;
        const t = performance.now();
        const { status, body } = await jsonOf(postJson(f, path, { query }));
        (times[path] ??= []).push(performance.now() - t);
        expect(status).toBe(413);
        const error = expectGraphQLError(body, 'DOCUMENT_TOO_LARGE', 'too-costly');
        expect(error.extensions).toMatchObject({ limit: 102_400 });
        expect(error.extensions?.['actual']).toBeGreaterThan(9_999_000);
      }
    }
    // Refused by its size on every endpoint alike, never after a 3.5 M-token parse (the instance-level rewrite parsed it
    // in full first: 3 to 7 s against ~0.1 s). Relative to /graphql, with room for a noisy machine.
    for (const path of ENDPOINTS) expect(median(times[path]!), path).toBeLessThan(3 * median(times['/graphql']!) + 1_000);
    // the same documents as raw application/graphql bodies
    const { status, body } = await jsonOf(f.fetch('/fhir/$graphql', {
      method: 'POST', headers: { 'content-type': 'application/graphql' }, body: `{ ${'a '.repeat(5_000_000)}}`,
    }));
    expect(status).toBe(413);
    expectGraphQLError(body, 'DOCUMENT_TOO_LARGE');
    expectNothingUpstream(f);
    // nothing of them stays: the heap is back near where it was (a kept 10 MB document is 10 MB, its AST ~1.5 GB)
    expect((heapAfterGc() - before) / MB).toBeLessThan(40);
    expect((await f.fetch('/health')).status).toBe(200);
  });

  it('a body over limits.maxBodyBytes (16 MiB) is 413 on every GraphQL endpoint, whatever its content type', async () => {
    const big = `{ ${'a '.repeat(8_500_000)}}`;
    for (const path of ENDPOINTS) {
      const json = await jsonOf(postJson(f, path, { query: big }));
      expect(json.status).toBe(413);
      expectGraphQLError(json.body, 'BODY_TOO_LARGE', 'too-costly');
      const raw = await jsonOf(f.fetch(path, { method: 'POST', headers: { 'content-type': 'application/graphql' }, body: big }));
      expect(raw.status).toBe(413);
      expectGraphQLError(raw.body, 'BODY_TOO_LARGE');
    }
  });

  it('many distinct documents just under the token limit (~20 KB, ~4 MB of AST each) do not grow the heap past the cache bound', async () => {
    // The replay of "182 distinct comment-padded documents": each is under every limit, parses, and yoga caches the
    // parse. Its default cache (1,024 documents of any size) kept ~4 MB per document: 50 of them were 200 MB.
    const before = heapAfterGc();
    for (let i = 0; i < 50; i++) {
      const query = `query Dense${i} { ${'a '.repeat(9_990)}}`;
      const { status, body } = await jsonOf(postJson(f, '/graphql', { query }));
      expect(status).toBe(400); // parsed (and cached), then refused by validation: `a` is no field
      expect(body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const grown = (heapAfterGc() - before) / MB;
    // the document cache holds at most 32 MiB (DEFAULT_DOCUMENT_CACHE.maxBytes); unbounded it is ~200 MB here
    expect(grown).toBeLessThan(80);
    expect((await f.fetch('/health')).status).toBe(200);
  });

  it('many distinct ~90 KB documents over the token limit: 400 TOO_MANY_TOKENS each, on every endpoint, nothing kept', async () => {
    const before = heapAfterGc();
    f.resetCalls();
    let n = 0;
    for (let round = 0; round < 20; round++) {
      for (const path of ENDPOINTS) {
        const query = `query Heavy${n++} { ${'a '.repeat(45_000)}}`; // ~90 KB, under maxDocumentBytes, 45,000 tokens
        expect(Buffer.byteLength(query)).toBeLessThan(102_400);
        const { status, body } = await jsonOf(postJson(f, path, { query }));
        expect(status).toBe(400);
        const error = expectGraphQLError(body, 'TOO_MANY_TOKENS', 'too-costly');
        expect(error.extensions).toMatchObject({ limit: 10_000, actual: 10_001 });
      }
    }
    expectNothingUpstream(f);
    expect((heapAfterGc() - before) / MB).toBeLessThan(40);
  });

  it('a document nested 10,000 levels: 400 DOCUMENT_TOO_DEEP on every endpoint, POST and GET, no 5xx, no stack trace in the log', async () => {
    log.length = 0;
    f.resetCalls();
    const deep = `${'{a'.repeat(10_000)}${'}'.repeat(10_000)}`;
    const deepArgs = `{ PatientList(name: ${'['.repeat(10_000)}"x"${']'.repeat(10_000)}) { id } }`;
    for (const path of ENDPOINTS) {
      for (const query of [deep, deepArgs]) {
        const { status, body, headers } = await jsonOf(postJson(f, path, { query }));
        expect(status).toBe(400);
        const error = expectGraphQLError(body, 'DOCUMENT_TOO_DEEP', 'too-costly');
        expect(error.extensions).toMatchObject({ limit: 64, actual: 65 });
        expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
      // GET: 100 levels fit in a URL (`{a` is 4 bytes encoded)
      const get = await jsonOf(f.fetch(`${path}?query=${encodeURIComponent(`${'{a'.repeat(100)}${'}'.repeat(100)}`)}`, {
        headers: { accept: 'application/graphql-response+json' },
      }));
      expect(get.status).toBe(400);
      expectGraphQLError(get.body, 'DOCUMENT_TOO_DEEP');
    }
    expectNothingUpstream(f);
    expect(log.filter((l) => STACK_FRAME.test(l.text) || /RangeError|Maximum call stack/.test(l.text))).toEqual([]);
    expect(log.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
  });

  it('a GET query string over Node\'s header limit is 431 from the HTTP layer, and the process keeps answering', async () => {
    const r = await f.fetch(`/graphql?query=${'a'.repeat(10_000_000)}`);
    expect(r.status).toBe(431);
    await r.text();
    const ok = await f.gql('{ __typename }');
    expect(ok).toMatchObject({ status: 200, data: { __typename: 'Query' } });
  });
});

describe('hostile documents over GET query strings (limits lowered so that they fit in a URL)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({
      env: { NODE_ENV: 'production' },
      config: { limits: { maxDocumentBytes: 4096, maxDocumentTokens: 500 } },
    });
  });
  afterAll(() => f?.stop());

  it('DOCUMENT_TOO_LARGE (413) and TOO_MANY_TOKENS (400) over GET on every endpoint, nothing upstream', async () => {
    f.resetCalls();
    const get = (path: string, query: string) =>
      jsonOf(f.fetch(`${path}?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/graphql-response+json' } }));
    for (const path of ENDPOINTS) {
      const large = await get(path, `{ PatientList { id } } #${'x'.repeat(5_000)}`);
      expect(large.status).toBe(413);
      expect(expectGraphQLError(large.body, 'DOCUMENT_TOO_LARGE').extensions).toMatchObject({ limit: 4096 });
      const tokens = await get(path, `{ ${'id '.repeat(1_000)}}`);
      expect(tokens.status).toBe(400);
      expect(expectGraphQLError(tokens.body, 'TOO_MANY_TOKENS').extensions).toMatchObject({ limit: 500 });
      // comments count as tokens too (they stay in a cached AST's token list)
      const comments = await get(path, `{ id ${'#\n'.repeat(1_000)}}`);
      expect(comments.status).toBe(400);
      expectGraphQLError(comments.body, 'TOO_MANY_TOKENS');
    }
    expectNothingUpstream(f);
    // a query within the limits still runs over GET
    const ok = await get('/graphql', '{ PatientList(_count: 1) { id } }');
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ PatientList: [{ id: expect.any(String) }] });
  });
});
