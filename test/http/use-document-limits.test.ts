import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildSchema, getIntrospectionQuery, GraphQLError, parse } from 'graphql';
import type { DocumentNode } from 'graphql';
import { createYoga, type Plugin, type YogaLogger } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import {
  BoundedCache, BYTES_PER_TOKEN, createDocumentCache, DEFAULT_DOCUMENT_CACHE, estimateDocumentBytes, type DocumentCacheOptions,
} from '../../src/http/document-cache.ts';
import { checkDocument, useDocumentLimits, type DocumentLimits } from '../../src/http/use-document-limits.ts';

const schema = buildSchema(/* GraphQL */ `
  type Node {
    a: Int
    n: Node
  }
  type Query {
    a: Int
    b(x: [Int], s: String): Int
    n: Node
  }
`);
for (const [name, value] of [['a', 1], ['b', 2]] as const) schema.getQueryType()!.getFields()[name]!.resolve = () => value;
schema.getQueryType()!.getFields()['n']!.resolve = () => ({ a: 1, n: { a: 2, n: null } });

const limits: DocumentLimits = { maxDocumentBytes: 4096, maxDocumentTokens: 200, maxDocumentNesting: 10 };

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; locations?: unknown; extensions: Record<string, unknown> }[];
}

function setup(l: DocumentLimits = limits, cacheOptions: Partial<DocumentCacheOptions> = {}) {
  const cache = createDocumentCache(cacheOptions);
  /** Runs of the (scanning) parse function: placed after useDocumentLimits, it wraps the parse function that plugin set. */
  let parses = 0;
  const countParses: Plugin = {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        parses++;
        return parseFn(source, options);
      });
    },
  };
  const logger: YogaLogger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const yoga = createYoga({
    schema, logging: logger, maskedErrors: true, parserAndValidationCache: cache, plugins: [useDocumentLimits(l), countParses],
  });
  const post = async (query: string, accept = 'application/graphql-response+json') => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as Body };
  };
  return { yoga, cache, post, logger, parses: () => parses };
}

/** `{ a }` padded with a comment to exactly `bytes` UTF-8 bytes (3 tokens). */
const padded = (bytes: number, char = 'x', prefix = '{ a } #') =>
  prefix + char.repeat((bytes - Buffer.byteLength(prefix)) / Buffer.byteLength(char));
/** `{ a a ... a }` with `n` tokens. */
const tokens = (n: number) => `{ ${'a '.repeat(n - 2)}}`;
/** `{ n { n { ... a } } }` with `depth` braces. */
const nested = (depth: number) => `${'{ n '.repeat(depth - 1)}{ a }${' }'.repeat(depth - 1)}`;

describe('document size', () => {
  it('refuses a document over maxDocumentBytes with 413 DOCUMENT_TOO_LARGE, nothing parsed', async () => {
    const { post, parses, cache } = setup();
    const { status, body } = await post(padded(4097));
    expect(status).toBe(413);
    expect(body.errors).toEqual([{
      message: 'The GraphQL document is 4097 bytes, more than the limit of 4096.',
      extensions: { code: 'DOCUMENT_TOO_LARGE', limit: 4096, actual: 4097 }, // yoga turns extensions.http into the status
    }]);
    expect(parses()).toBe(0);
    expect(cache.errorCache.size).toBe(0);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const { post } = setup();
    const doc = padded(4099, 'é'); // 2 bytes each: ~2,050 characters
    expect(doc.length).toBeLessThan(4096);
    const { status, body } = await post(doc);
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', actual: 4099 });
    const threeByte = padded(4096, '€');
    expect(Buffer.byteLength(threeByte)).toBe(4096);
    expect((await post(threeByte)).status).toBe(200); // exactly at the limit
  });

  it('accepts a document of exactly maxDocumentBytes', async () => {
    const { post } = setup();
    expect(await post(padded(4096))).toEqual({ status: 200, body: { data: { a: 1 } } });
  });

  it('refuses the 10 MB attack document quickly, without parsing (default document limits)', async () => {
    const { post, parses, logger } = setup({ maxDocumentBytes: 102_400, maxDocumentTokens: 10_000, maxDocumentNesting: 64 });
    const attack = `{ ${'a '.repeat(5_000_000)}}`; // 10 MB, 5 M tokens
    const started = performance.now();
    const { status, body } = await post(attack);
    const elapsed = performance.now() - started;
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', limit: 102_400, actual: 10_000_003 });
    expect(parses()).toBe(0);
    expect(elapsed).toBeLessThan(2000); // mostly JSON; parsing it took ~11 s
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('refuses GET documents over the limit too', async () => {
    const { yoga } = setup({ ...limits, maxDocumentBytes: 1024 });
    const response = await yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent(padded(1025))}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as Body).errors?.[0]?.extensions['code']).toBe('DOCUMENT_TOO_LARGE');
  });

  it('is 413 whatever the client accepts', async () => {
    const { post } = setup();
    expect((await post(padded(5000), 'application/json')).status).toBe(413);
  });

  it('is checked by the parse function as well, for transports without onParams (getEnveloped, WebSocket)', () => {
    const { yoga } = setup();
    const { parse: envelopedParse } = yoga.getEnveloped({});
    expect(() => envelopedParse(padded(4097))).toThrow(GraphQLError);
    try {
      envelopedParse(nested(11));
    } catch (error) {
      expect((error as GraphQLError).extensions['code']).toBe('DOCUMENT_TOO_DEEP');
    }
    expect.assertions(2);
  });
});

describe('token count', () => {
  it('refuses more than maxDocumentTokens with 400 TOO_MANY_TOKENS at the first token past it, nothing executed', async () => {
    const { post, logger } = setup();
    const { status, body } = await post(tokens(201));
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{
      message: 'The GraphQL document has more than 200 tokens (the limit).',
      locations: [{ line: 1, column: 401 }],
      extensions: { code: 'TOO_MANY_TOKENS', limit: 200, actual: 201 },
    }]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('accepts exactly maxDocumentTokens', async () => {
    const { post } = setup();
    expect(await post(tokens(200))).toEqual({ status: 200, body: { data: { a: 1 } } });
  });

  it('counts tokens as graphql\'s parser does: the standard introspection query is 163', async () => {
    const query = getIntrospectionQuery();
    expect(() => checkDocument(query, { ...limits, maxDocumentBytes: 100_000, maxDocumentTokens: 163 })).not.toThrow();
    expect(() => checkDocument(query, { ...limits, maxDocumentBytes: 100_000, maxDocumentTokens: 162 })).toThrow('more than 162 tokens');
    expect(() => parse(query, { maxLexicalTokens: 163 })).not.toThrow();
    expect(() => parse(query, { maxLexicalTokens: 162 })).toThrow();
  });

  it('counts comments (a cached AST keeps them), so comment padding cannot smuggle tokens', async () => {
    const { post } = setup();
    const { status, body } = await post(`{ a }${'\n#'.repeat(198)}`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_TOKENS' });
    expect((await post(`{ a }${'\n#'.repeat(197)}`)).status).toBe(200);
  });
});

describe('nesting', () => {
  it('refuses the 10,000-level attack with 400 DOCUMENT_TOO_DEEP, not 500, and logs nothing', async () => {
    const { post, logger } = setup({ maxDocumentBytes: 102_400, maxDocumentTokens: 10_000, maxDocumentNesting: 64 });
    for (const attack of [
      '{'.repeat(10_000) + '}'.repeat(10_000),
      `{ b(x: ${'['.repeat(10_000)}1${']'.repeat(10_000)}) }`,
      nested(10_000),
    ]) {
      const { status, body } = await post(attack);
      expect(status).toBe(400);
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'DOCUMENT_TOO_DEEP', limit: 64, actual: 65 });
      expect(body.errors?.[0]?.message).toBe('The GraphQL document nests brackets more than 64 deep (the limit).');
    }
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('counts { ( [ alike, and accepts exactly maxDocumentNesting', async () => {
    const { post } = setup();
    expect(await post(nested(3))).toEqual({ status: 200, body: { data: { n: { n: { a: 2 } } } } });
    const atLimit = await post(nested(10));
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.errors).toBeUndefined();
    expect((await post(nested(11))).body.errors?.[0]?.extensions['code']).toBe('DOCUMENT_TOO_DEEP');
    // { ( [ [ [ [ [ [ [ [ = 10
    expect((await post(`{ b(x: ${'['.repeat(8)}1${']'.repeat(8)}) }`)).body.errors?.[0]?.extensions['code']).not.toBe('DOCUMENT_TOO_DEEP');
    expect((await post(`{ b(x: ${'['.repeat(9)}1${']'.repeat(9)}) }`)).body.errors?.[0]?.extensions['code']).toBe('DOCUMENT_TOO_DEEP');
  });

  it('ignores brackets inside strings, block strings and comments, as the parser does', async () => {
    const { post } = setup();
    const query = `{ b(s: "${'{['.repeat(50)}") # ${'{'.repeat(50)}\n  x: b(s: """${'(['.repeat(50)}""") }`;
    expect(await post(query)).toEqual({ status: 200, body: { data: { b: 2, x: 2 } } });
  });

  it('a document nested as deep as the configurable maximum (1000) parses without overflowing the stack', async () => {
    const { post, logger } = setup({ maxDocumentBytes: 102_400, maxDocumentTokens: 10_000, maxDocumentNesting: 1000 });
    const { status, body } = await post(nested(1000));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(logger.error).not.toHaveBeenCalled();
  });
});

describe('status codes', () => {
  it('limit refusals are 4xx whatever the client accepts; syntax errors keep yoga\'s 200 under application/json', async () => {
    const { post } = setup();
    for (const accept of ['application/json', '*/*', 'application/graphql-response+json']) {
      expect((await post(tokens(201), accept)).status, accept).toBe(400);
      expect((await post(nested(11), accept)).status, accept).toBe(400);
      expect((await post(padded(4097), accept)).status, accept).toBe(413);
    }
    expect((await post('{ a', 'application/json')).status).toBe(200); // GraphQL-over-HTTP, audited in fhir-graphql-client.test.ts
    expect((await post('{ a', 'application/graphql-response+json')).status).toBe(400);
  });

  it('checkDocument throws GraphQLErrors carrying code, http status, limit and actual', () => {
    const thrown = (body: string): GraphQLError => {
      try {
        checkDocument(body, limits);
      } catch (error) {
        return error as GraphQLError;
      }
      throw new Error('expected a refusal');
    };
    expect(thrown(nested(11)).extensions).toEqual({ code: 'DOCUMENT_TOO_DEEP', http: { status: 400 }, limit: 10, actual: 11 });
    expect(thrown(nested(11)).locations).toEqual([{ line: 1, column: 41 }]);
    expect(thrown(tokens(201)).extensions).toEqual({ code: 'TOO_MANY_TOKENS', http: { status: 400 }, limit: 200, actual: 201 });
    expect(thrown(padded(4097)).extensions).toEqual({ code: 'DOCUMENT_TOO_LARGE', http: { status: 413 }, limit: 4096, actual: 4097 });
    expect(() => checkDocument('{ a', limits)).not.toThrow(); // the parser reports syntax errors
  });
});

describe('syntax errors', () => {
  it('stay GRAPHQL_PARSE_FAILED as yoga reports them (lexical and grammatical)', async () => {
    const { post } = setup();
    for (const [query, message] of [
      ['{ a', 'Syntax Error: Expected Name, found <EOF>.'],
      ['{ b(s: "unterminated) }', 'Syntax Error: Unterminated string.'],
      ['{ a ~ }', 'Syntax Error: Unexpected character: "~".'],
    ] as const) {
      const { status, body } = await post(query);
      expect(status).toBe(400);
      expect(body.errors?.[0]?.message).toBe(message);
      expect(body.errors?.[0]?.extensions['code']).toBe('GRAPHQL_PARSE_FAILED');
    }
  });

  it('a limit passed before a syntax error wins', async () => {
    const { post } = setup();
    expect((await post(`${nested(11)} ~`)).body.errors?.[0]?.extensions['code']).toBe('DOCUMENT_TOO_DEEP');
  });
});

describe('with the parse cache', () => {
  it('does not scan a cached document again', async () => {
    const { post, parses, cache } = setup();
    const query = '{ a x: b(x: [1, 2]) }';
    for (let i = 0; i < 3; i++) expect((await post(query)).status).toBe(200);
    expect(parses()).toBe(1);
    expect(cache.documentCache.size).toBe(1);
  });

  it('keeps syntax errors, but not documents refused by a limit', async () => {
    const { post, parses, cache } = setup();
    await post('{ a');
    await post('{ a');
    expect(parses()).toBe(1);
    expect(cache.errorCache.size).toBe(1);
    await post(tokens(201));
    await post(tokens(201));
    expect(parses()).toBe(3);
    expect(cache.errorCache.size).toBe(1);
    expect(cache.documentCache.size).toBe(0);
  });

  it('200 distinct 1 MB comment-padded documents: the cache stays within its byte bound, and so does the heap', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const maxBytes = 8 * 1024 * 1024;
    const { post, cache } = setup({ maxDocumentBytes: 1_048_576, maxDocumentTokens: 10_000, maxDocumentNesting: 64 }, { maxBytes });
    const before = heap();
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      const { status } = await post(padded(1_048_576, 'x', `{ a${i}: a } #`));
      expect(status).toBe(200);
      peak = Math.max(peak, cache.documentCache.bytes);
    }
    const grown = heap() - before;
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(cache.documentCache.size).toBeLessThanOrEqual(8); // 7 of ~1.05 MB fit in 8 MiB
    expect(cache.documentCache.size).toBeGreaterThanOrEqual(6);
    // 200 MB of documents went through; what stays is the cache (<= 8 MiB) and noise
    expect(grown).toBeLessThan(40 * 1024 * 1024);
  });
});

describe('createDocumentCache / BoundedCache', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_DOCUMENT_CACHE).toEqual({ maxEntries: 1000, maxBytes: 32 * 1024 * 1024, maxErrorEntries: 1000, maxErrorBytes: 4 * 1024 * 1024 });
  });

  it('evicts the least recently used entry past maxEntries', () => {
    const cache = new BoundedCache<number>({ maxEntries: 2, maxBytes: 1000, sizeOf: () => 1 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('evicts past maxBytes, counts a replaced entry once, and keeps nothing larger than the budget', () => {
    const cache = new BoundedCache<string>({ maxEntries: 100, maxBytes: 10, sizeOf: (key, value) => key.length + value.length });
    cache.set('a', '1234'); // 5
    cache.set('a', '1234'); // replaced, still 5
    expect(cache.bytes).toBe(5);
    cache.set('b', '1234'); // 10
    cache.set('c', '1'); // 12 > 10: a goes
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, '1234', '1']);
    expect(cache.bytes).toBe(7);
    cache.set('huge', '12345678');
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(7);
    expect(cache.delete('b')).toBe(true);
    expect(cache.bytes).toBe(2);
    cache.clear();
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });

  it('weighs a document by its tokens, comments included, not by its text', () => {
    const dense = '{ a a a a a a a a a a }';
    const weight = estimateDocumentBytes(dense, parse(dense));
    expect(weight).toBeGreaterThanOrEqual(12 * BYTES_PER_TOKEN); // 12 tokens + SOF / EOF
    const commented = `{ a }${'\n#'.repeat(100)}`;
    expect(estimateDocumentBytes(commented, parse(commented))).toBeGreaterThan(estimateDocumentBytes('{ a }', parse('{ a }')) + 100 * 50);
    const noLocation: DocumentNode = parse(dense, { noLocation: true });
    expect(estimateDocumentBytes(dense, noLocation)).toBeGreaterThan(dense.length * 100);
  });
});
