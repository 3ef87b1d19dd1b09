// Introspection (finding 5): exempt from every limit and on in production, so 30 aliased `__schema` trees answered
// 332 MB. Now at most one introspection root per operation (QUERY_TOO_COSTLY), a depth limit for introspection
// (QUERY_TOO_DEEP), and introspection off by default in production when sources are configured (INTROSPECTION_DISABLED,
// 400) — on in development and in the demo.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectGraphQLError, expectNothingUpstream, jsonOf, MB, postJson } from './hostile-helpers.ts';

const FULL_SCHEMA = '__schema { types { name kind description fields { name description args { name description type { name kind ofType { name kind ofType { name kind } } } } type { name kind ofType { name kind ofType { name kind } } } } } }';
const ALIASED_30 = `{ ${Array.from({ length: 30 }, (_, i) => `s${i}: ${FULL_SCHEMA}`).join(' ')} }`;
/** The same attack with fragments instead of aliases, and `__type` instead of `__schema`. */
const SMUGGLED = [
  `{ ...A ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { ${FULL_SCHEMA} }`,
  '{ a: __type(name: "Patient") { fields { name } } b: __type(name: "Observation") { fields { name } } }',
  `{ ... on Query { ${FULL_SCHEMA} } ... { x: ${FULL_SCHEMA} } }`,
];
const DEEP = `{ __type(name: "Patient") { fields { type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } } } }`;
const ACCEPTS = ['application/graphql-response+json', 'application/json', '*/*'];

describe('introspection in production with sources configured: off by default', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => f?.stop());

  it('__schema and __type are 400 INTROSPECTION_DISABLED on /graphql and /fhir/$graphql, whatever the Accept header', async () => {
    f.resetCalls();
    const queries = ['{ __schema { queryType { name } } }', '{ __type(name: "Patient") { name } }', getIntrospectionQuery(), ALIASED_30, ...SMUGGLED];
    for (const path of ['/graphql', '/fhir/$graphql']) {
      for (const query of queries) {
        for (const accept of ACCEPTS) {
          const { status, body } = await jsonOf(postJson(f, path, { query }, { accept }));
          expect(status, `${path} ${accept} ${query.slice(0, 40)}`).toBe(400);
          expect(body.data).toBeUndefined();
          expect(body.errors!.length).toBeGreaterThan(0);
          // (the aliased and smuggled copies are also over the one-root limit: QUERY_TOO_COSTLY besides)
          expect(body.errors!.map((e) => e.extensions?.['code'])).toContain('INTROSPECTION_DISABLED');
          for (const error of body.errors!) {
            expect(['INTROSPECTION_DISABLED', 'QUERY_TOO_COSTLY']).toContain(error.extensions?.['code']);
            if (error.extensions?.['code'] === 'INTROSPECTION_DISABLED') expect(error.extensions?.['resource']?.issue?.[0]?.code).toBe('forbidden');
          }
        }
      }
    }
    // over GET too
    const get = await jsonOf(f.fetch(`/graphql?query=${encodeURIComponent('{ __schema { queryType { name } } }')}`));
    expect(get.status).toBe(400);
    expectGraphQLError(get.body, 'INTROSPECTION_DISABLED', 'forbidden');
    expectNothingUpstream(f);
  });

  it('__typename still works, and so do ordinary queries', async () => {
    const r = await f.gql('{ __typename PatientList(_count: 1) { __typename id } }');
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ __typename: 'Query', PatientList: [{ __typename: 'Patient', id: expect.any(String) }] });
  });

  it('no GraphiQL page either (it would need introspection)', async () => {
    const r = await f.fetch('/graphql', { headers: { accept: 'text/html' } });
    const text = await r.text();
    expect(r.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(text).not.toMatch(/<html|graphiql/i);
  });
});

describe('introspection where it is on (development; production with introspection: true)', () => {
  const worlds: Array<[string, Parameters<typeof startFixture>[0]]> = [
    ['development', {}],
    ['production, introspection: true', { env: { NODE_ENV: 'production' }, config: { introspection: true } }],
  ];
  for (const [label, options] of worlds) {
    describe(label, () => {
      let f: Fixture;
      beforeAll(async () => {
        f = await startFixture(options);
      });
      afterAll(() => f?.stop());

      it('the 30-aliased-__schema attack is 400 QUERY_TOO_COSTLY before executing (it answered 332 MB)', async () => {
        for (const accept of ACCEPTS) {
          const t = performance.now();
          const r = await postJson(f, '/graphql', { query: ALIASED_30 }, { accept });
          const text = await r.text();
          expect(r.status, accept).toBe(400);
          expect(text.length).toBeLessThan(10_000);
          const body = JSON.parse(text);
          const error = expectGraphQLError(body, 'QUERY_TOO_COSTLY', 'too-costly');
          expect(error.extensions).toMatchObject({ limit: 1, actual: 30 });
          expect(performance.now() - t).toBeLessThan(5_000);
        }
      });

      it('fragment- and __type-smuggled copies are refused alike, on /fhir/$graphql too', async () => {
        for (const path of ['/graphql', '/fhir/$graphql']) {
          for (const query of SMUGGLED) {
            const { status, body } = await jsonOf(postJson(f, path, { query }));
            expect(status, query).toBe(400);
            expect(body.errors!.map((e) => e.extensions?.['code'])).toContain('QUERY_TOO_COSTLY');
            expect(body.data).toBeUndefined();
          }
        }
      });

      it('introspection deeper than getIntrospectionQuery() is 400 QUERY_TOO_DEEP', async () => {
        const { status, body } = await jsonOf(postJson(f, '/graphql', { query: DEEP }, { accept: 'application/json' }));
        expect(status).toBe(400);
        expect(expectGraphQLError(body, 'QUERY_TOO_DEEP', 'too-costly').extensions).toMatchObject({ limit: 15, actual: 16 });
      });

      it('one standard introspection query works and stays a bounded answer', async () => {
        const r = await postJson(f, '/graphql', { query: getIntrospectionQuery() });
        const text = await r.text();
        expect(r.status).toBe(200);
        const body = JSON.parse(text) as { data?: { __schema?: { types?: unknown[] } }; errors?: unknown };
        expect(body.errors).toBeUndefined();
        expect(body.data?.__schema?.types?.length).toBeGreaterThan(1000);
        // one schema, not thirty: the 30-fold answer was 332 MB
        expect(text.length / MB).toBeLessThan(40);
      });
    });
  }
});

describe('the default, as config decides it', () => {
  const introspectionOf = (argv: string[], env: Record<string, string>) => loadConfig({ argv, env, readFile: () => '{}' }).introspection;
  it('off in production with sources; on in production for the embedded demo (no sources) and in development', () => {
    expect(introspectionOf(['--source', 'a=http://127.0.0.1:1'], { NODE_ENV: 'production' })).toBe(false);
    expect(introspectionOf([], { NODE_ENV: 'production' })).toBe(true);
    expect(introspectionOf(['--source', 'a=http://127.0.0.1:1'], {})).toBe(true);
    expect(introspectionOf(['--source', 'a=http://127.0.0.1:1', '--introspection', 'on'], { NODE_ENV: 'production' })).toBe(true);
  });
});
