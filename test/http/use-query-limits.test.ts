import { buildSchema, getIntrospectionQuery, Kind, parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { fragmentsOf } from '../../src/http/query-cost.ts';
import {
  operationAliasCount,
  operationDepth,
  queryLimitsRule,
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
