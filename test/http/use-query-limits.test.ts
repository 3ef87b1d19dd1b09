import { readFileSync } from 'node:fs';
import { buildSchema, getIntrospectionQuery, Kind, parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { fragmentsOf } from '../../src/http/query-cost.ts';
import {
  MAX_INTROSPECTION_FIELDS,
  NoIntrospection,
  operationAliasCount,
  operationDepth,
  operationIntrospectionCount,
  operationIntrospectionDepth,
  queryLimitsRule,
  STANDARD_INTROSPECTION_DEPTH,
  useQueryLimits,
  type QueryLimits,
} from '../../src/http/use-query-limits.ts';


const sdl = /* GraphQL */ `
  interface Resource {
    id: ID
  }
  type Reference {
    reference: String
    resource: Resource
  }
  type HumanName {
    family: String
  }
  enum Patient_Observation_reference {
    subject
  }
  type Patient implements Resource {
    id: ID
    name(_count: Int): [HumanName]
    generalPractitioner(_count: Int): [Reference]
    ObservationList(_reference: Patient_Observation_reference!, _count: Int): [Observation]
  }
  type Observation implements Resource {
    id: ID
    subject: Reference
  }
  type Query {
    Patient(id: ID!): Patient
    PatientList(_count: Int): [Patient]
  }
`;

const limits: QueryLimits = { maxDepth: 5, maxAliases: 3, maxCost: 2000, defaultCount: 20, maxCount: 500 };

const firstOperation = (doc: DocumentNode) => doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
const depthOf = (query: string) => {
  const doc = parse(query);
  return operationDepth(firstOperation(doc), fragmentsOf(doc));
};
const aliasesOf = (query: string) => {
  const doc = parse(query);
  return operationAliasCount(firstOperation(doc), fragmentsOf(doc));
};

describe('operationDepth', () => {
  it('counts nested fields, root fields being depth 1', () => {
    expect(depthOf('{ Patient(id: "1") { id } }')).toBe(2);
    expect(depthOf('{ Patient(id: "1") { generalPractitioner { resource { id } } } }')).toBe(4);
  });

  it('expands fragments without adding a level', () => {
    const query = `
      { Patient(id: "1") { ...P } }
      fragment P on Patient { generalPractitioner { ...R } }
      fragment R on Reference { resource { ... on Patient { name { family } } } }
    `;
    expect(depthOf(query)).toBe(5);
  });

  it('ignores __schema and __type subtrees', () => {
    expect(depthOf(getIntrospectionQuery())).toBe(0);
    expect(depthOf('{ __type(name: "Patient") { fields { type { ofType { ofType { name } } } } } Patient(id: "1") { id } }')).toBe(2);
  });

  it('survives fragment cycles (graphql reports them)', () => {
    expect(depthOf('{ Patient(id: "1") { ...A } } fragment A on Patient { id ...A }')).toBe(2);
  });
});

describe('operationAliasCount', () => {
  it('counts aliases, fragments expanded per spread', () => {
    expect(aliasesOf('{ a: Patient(id: "1") { id } b: Patient(id: "2") { x: id } }')).toBe(3);
    const query = `
      { a: Patient(id: "1") { ...P } b: Patient(id: "2") { ...P } }
      fragment P on Patient { n1: name { family } n2: name { f: family } }
    `;
    expect(aliasesOf(query)).toBe(2 + 2 * 3);
  });
});

describe('queryLimitsRule', () => {
  const schema = buildSchema(sdl);
  const check = (query: string, variables: Record<string, unknown> = {}, l: QueryLimits = limits) =>
    validate(schema, parse(query), [...specifiedRules, queryLimitsRule(l, variables)]);

  it('passes a query within the limits', () => {
    expect(check('{ PatientList(_count: 20) { id ObservationList(_reference: subject, _count: 50) { id } } }')).toEqual([]);
  });

  it('reports depth with code, limit and actual', () => {
    const [error, ...rest] = check('{ Patient(id: "1") { generalPractitioner { resource { ... on Patient { generalPractitioner { resource { id } } } } } } }');
    expect(rest).toEqual([]);
    expect(error?.message).toBe('Query depth 6 exceeds the limit 5.');
    expect(error?.extensions).toEqual({ code: 'QUERY_TOO_DEEP', http: { status: 400 }, limit: 5, actual: 6 });
  });

  it('reports aliases', () => {
    const [error] = check('{ a: Patient(id: "1") { id } b: Patient(id: "2") { id } c: Patient(id: "3") { id } d: Patient(id: "4") { id } }');
    expect(error?.extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', limit: 3, actual: 4 });
  });

  it('reports cost with the estimate and the limit in the message', () => {
    const [error] = check('query($n: Int) { PatientList(_count: 50) { ObservationList(_reference: subject, _count: $n) { id } } }', { n: 100 });
    expect(error?.message).toBe(
      'Query cost 5050 exceeds the limit 2000 (estimated FHIR resources loaded). Lower _count or remove nested lists.',
    );
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', limit: 2000, actual: 5050 });
  });

  it('lets the introspection query through even with tiny limits', () => {
    const tiny: QueryLimits = { maxDepth: 1, maxAliases: 0, maxCost: 0, defaultCount: 20, maxCount: 500 };
    expect(check(getIntrospectionQuery(), {}, tiny)).toEqual([]);
  });
});

describe('useQueryLimits in yoga', () => {
  function setup(): { schema: GraphQLSchema; patient: ReturnType<typeof vi.fn>; list: ReturnType<typeof vi.fn> } {
    const schema = buildSchema(sdl);
    const patient = vi.fn(() => ({ id: '1', generalPractitioner: [] }));
    const list = vi.fn(() => [{ id: '1' }]);
    const fields = schema.getQueryType()!.getFields();
    fields['Patient']!.resolve = patient;
    fields['PatientList']!.resolve = list;
    return { schema, patient, list };
  }
  const post = (yoga: ReturnType<typeof createYoga>, query: string, variables?: Record<string, unknown>) =>
    yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });

  it('rejects a too-deep query with 400 before executing anything', async () => {
    const { schema, patient } = setup();
    const yoga = createYoga({ schema, plugins: [useQueryLimits(limits)], logging: false });
    const response = await post(yoga, '{ Patient(id: "1") { generalPractitioner { resource { ... on Patient { generalPractitioner { resource { id } } } } } } }');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', limit: 5, actual: 6 });
    expect(patient).not.toHaveBeenCalled();
  });

  it('executes a query within the limits', async () => {
    const { schema, patient } = setup();
    const yoga = createYoga({ schema, plugins: [useQueryLimits(limits)], logging: false });
    const response = await post(yoga, '{ Patient(id: "1") { id } }');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { Patient: { id: '1' } } });
    expect(patient).toHaveBeenCalledTimes(1);
  });

  it('checks the cost with each request’s variables despite yoga’s validation cache', async () => {
    const { schema, list } = setup();
    const yoga = createYoga({ schema, plugins: [useQueryLimits(limits)], logging: false });
    const query = 'query($n: Int) { PatientList(_count: $n) { ObservationList(_reference: subject, _count: 100) { id } } }';

    expect((await post(yoga, query, { n: 10 })).status).toBe(200); // 10 + 1000
    const rejected = await post(yoga, query, { n: 50 }); // 50 + 5000
    expect(rejected.status).toBe(400);
    const body = (await rejected.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', actual: 5050 });
    expect((await post(yoga, query, { n: 10 })).status).toBe(200);
    expect((await post(yoga, query)).status).toBe(400); // defaultCount 20: 20 + 2000
    expect(list).toHaveBeenCalledTimes(2);
  });

  it('rejects too many aliases', async () => {
    const { schema, patient } = setup();
    const yoga = createYoga({ schema, plugins: [useQueryLimits(limits)], logging: false });
    const response = await post(yoga, '{ a: Patient(id: "1") { id } b: Patient(id: "2") { id } c: Patient(id: "3") { id } d: Patient(id: "4") { id } }');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions['code']).toBe('TOO_MANY_ALIASES');
    expect(patient).not.toHaveBeenCalled();
  });
});

describe('introspection: counted, one root per operation, switchable', () => {
  const schema = buildSchema(sdl);
  const measureOf = (query: string) => {
    const doc = parse(query);
    const op = firstOperation(doc);
    return { depth: operationIntrospectionDepth(op, fragmentsOf(doc)), roots: operationIntrospectionCount(op, fragmentsOf(doc)) };
  };
  const check = (query: string, l: QueryLimits = limits) => validate(schema, parse(query), [...specifiedRules, queryLimitsRule(l, {})]);
  /** The attack of the finding: 30 aliased full __schema trees in one ~4.7 KB query. */
  const standard = getIntrospectionQuery();
  const fullSchemaTree = (() => {
    const start = standard.indexOf('__schema');
    let depth = 0;
    for (let i = standard.indexOf('{', start); ; i++) {
      if (standard[i] === '{') depth++;
      else if (standard[i] === '}' && --depth === 0) return standard.slice(start, i + 1);
    }
  })();
  const fragmentsText = standard.slice(standard.indexOf('fragment FullType'));
  const attack = `query {\n${Array.from({ length: 30 }, (_, i) => `s${i}: ${fullSchemaTree.trim()}`).join('\n')}\n}\n${fragmentsText}`;

  it('measures the standard introspection query as depth 15 with one root; the limit default is that depth', () => {
    expect(STANDARD_INTROSPECTION_DEPTH).toBe(15);
    expect(MAX_INTROSPECTION_FIELDS).toBe(1);
    expect(measureOf(getIntrospectionQuery())).toEqual({ depth: 15, roots: 1 });
    expect(measureOf('{ __schema { types { name } } }')).toEqual({ depth: 3, roots: 1 });
    expect(measureOf('{ Patient(id: "1") { id __typename } }')).toEqual({ depth: 0, roots: 0 });
  });

  it('accepts the standard getIntrospectionQuery() (what GraphiQL sends), with every option', () => {
    expect(check(getIntrospectionQuery())).toEqual([]);
    const full = getIntrospectionQuery({
      descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true,
    });
    expect(check(full)).toEqual([]);
  });

  it('refuses the 30-aliased-__schema attack at validation, fast, saying why', () => {
    expect(Buffer.byteLength(attack)).toBeGreaterThan(4000);
    const started = performance.now();
    const errors = check(attack, { ...limits, maxAliases: 30 });
    const elapsed = performance.now() - started;
    expect(errors).toHaveLength(1);
    expect(errors[0]?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', http: { status: 400 }, limit: 1, actual: 30 });
    expect(errors[0]?.message).toBe(
      'Operation selects __schema / __type 30 times (aliases and fragment spreads included); at most 1 is allowed per operation, ' +
        'as each one can return the whole schema. Send one per request.',
    );
    expect(elapsed).toBeLessThan(500);
  });

  it('refuses __type twice, aliased or not', () => {
    for (const query of [
      '{ a: __type(name: "Patient") { name } b: __type(name: "Observation") { name } }',
      '{ __type(name: "Patient") { name } __type(name: "Patient") { name } }',
      '{ __schema { queryType { name } } __type(name: "Patient") { name } }',
    ]) {
      const [error, ...rest] = check(query);
      expect(rest).toEqual([]);
      expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', limit: 1, actual: 2 });
    }
  });

  it('counts through fragments and inline fragments: every spread and alias counts', () => {
    const smuggled = [
      ['{ ...Q ...Q }  fragment Q on Query { __schema { queryType { name } } }', 2],
      ['{ ...Q a: __type(name: "Patient") { name } }  fragment Q on Query { __type(name: "Patient") { name } }', 2],
      ['{ ... on Query { __schema { queryType { name } } } ... { x: __schema { queryType { name } } } }', 2],
      ['{ ...A }  fragment A on Query { ...B ...B }  fragment B on Query { s: __schema { queryType { name } } }', 2],
      ['{ ...A ...A ...A }  fragment A on Query { ...B ...B }  fragment B on Query { __type(name: "X") { name } }', 6],
    ] as const;
    for (const [query, roots] of smuggled) {
      expect(measureOf(query).roots, query).toBe(roots);
      const errors = check(query);
      expect(errors.map((e) => e.extensions['code']), query).toEqual(['QUERY_TOO_COSTLY']);
    }
  });

  it('counts introspection depth against maxIntrospectionDepth (QUERY_TOO_DEEP), through fragments', () => {
    const deep = '{ __type(name: "Patient") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } } }';
    expect(measureOf(deep).depth).toBe(16);
    const [error, ...rest] = check(deep);
    expect(rest).toEqual([]);
    expect(error?.message).toBe('Introspection depth 16 exceeds the limit 15.');
    expect(error?.extensions).toEqual({ code: 'QUERY_TOO_DEEP', http: { status: 400 }, limit: 15, actual: 16 });
    expect(check(getIntrospectionQuery(), { ...limits, maxIntrospectionDepth: 14 })[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_DEEP', limit: 14, actual: 15,
    });
    const viaFragment = '{ __type(name: "P") { ...T } } fragment T on __Type { fields { type { ofType { name } } } }';
    expect(measureOf(viaFragment).depth).toBe(5);
    expect(check(viaFragment, { ...limits, maxIntrospectionDepth: 4 })[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', actual: 5 });
  });

  it('keeps __typename free and ordinary depth apart from introspection depth', () => {
    expect(check('{ __typename Patient(id: "1") { __typename id } }', { ...limits, maxDepth: 2, maxIntrospectionDepth: 1 })).toEqual([]);
    expect(check('{ __schema { queryType { name } } Patient(id: "1") { id } }', { ...limits, maxDepth: 2 })).toEqual([]);
  });

  it('NoIntrospection refuses __schema and __type anywhere, with INTROSPECTION_DISABLED, and lets __typename through', () => {
    const off = (query: string) => validate(schema, parse(query), [...specifiedRules, NoIntrospection]);
    expect(off('{ __typename Patient(id: "1") { __typename id } }')).toEqual([]);
    const errors = off('{ ...Q __type(name: "Patient") { name } } fragment Q on Query { __schema { queryType { name } } }');
    expect(errors.map((e) => e.message)).toEqual([
      'Introspection is disabled on this server: "__type" cannot be queried.',
      'Introspection is disabled on this server: "__schema" cannot be queried.',
    ]);
    expect(errors[0]?.extensions).toEqual({ code: 'INTROSPECTION_DISABLED', http: { status: 400 } });
  });

  describe('over yoga', () => {
    const post = (yoga: ReturnType<typeof createYoga>, query: string) =>
      yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query }),
      });
    const bodyOf = async (response: Response) => (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions: Record<string, unknown> }[] };

    it('on (the default): answers the standard introspection query, refuses the aliased attack with 400 before executing', async () => {
      const yoga = createYoga({ schema: buildSchema(sdl), plugins: [useQueryLimits({ ...limits, maxAliases: 30 })], logging: false });
      const ok = await post(yoga, getIntrospectionQuery());
      expect(ok.status).toBe(200);
      expect(((await bodyOf(ok)).data?.['__schema'] as { types: unknown[] }).types.length).toBeGreaterThan(5);
      const started = performance.now();
      const refused = await post(yoga, attack);
      expect(refused.status).toBe(400);
      const body = await bodyOf(refused);
      expect(body.data).toBeUndefined();
      expect(body.errors?.map((e) => e.extensions['code'])).toEqual(['QUERY_TOO_COSTLY']);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('on the real FHIR schema (schema/schema.graphql): the standard query is answered, the attack refused in milliseconds', async () => {
      const fhirSchema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
      const yoga = createYoga({ schema: fhirSchema, plugins: [useQueryLimits({ ...limits, maxAliases: 30 })], logging: false });
      const started = performance.now();
      const refused = await post(yoga, attack);
      expect(refused.status).toBe(400);
      expect((await bodyOf(refused)).errors?.map((e) => e.extensions['code'])).toEqual(['QUERY_TOO_COSTLY']);
      expect(performance.now() - started).toBeLessThan(1000); // executed, it returned 332 MB in 36 s
      const ok = await post(yoga, getIntrospectionQuery());
      expect(ok.status).toBe(200);
      const text = await ok.text();
      expect(text.length).toBeGreaterThan(1_000_000); // one full introspection: ~15 MB, ~0.5 s
      expect(JSON.parse(text).errors).toBeUndefined();
    });

    it('off: refuses __schema / __type with 400 INTROSPECTION_DISABLED; ordinary queries and __typename still run', async () => {
      const { schema, patient } = (() => {
        const s = buildSchema(sdl);
        const fn = vi.fn(() => ({ id: '1' }));
        s.getQueryType()!.getFields()['Patient']!.resolve = fn;
        return { schema: s, patient: fn };
      })();
      const yoga = createYoga({ schema, plugins: [useQueryLimits(limits, { introspection: false })], logging: false });
      for (const query of [getIntrospectionQuery(), '{ __type(name: "Patient") { name } }']) {
        const response = await post(yoga, query);
        expect(response.status).toBe(400);
        const body = await bodyOf(response);
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'INTROSPECTION_DISABLED' });
        expect(body.errors?.[0]?.message).toMatch(/^Introspection is disabled on this server/);
      }
      const ok = await post(yoga, '{ __typename Patient(id: "1") { __typename id } }');
      expect(ok.status).toBe(200);
      expect(await bodyOf(ok)).toEqual({ data: { __typename: 'Query', Patient: { __typename: 'Patient', id: '1' } } });
      expect(patient).toHaveBeenCalledTimes(1);
    });
  });
});
