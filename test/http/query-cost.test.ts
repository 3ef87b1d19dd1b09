import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ELEMENT_FANOUT, estimateCost, isConnectionType, isResourceType } from '../../src/http/query-cost.ts';

/** A small schema following the HL7 FHIR GraphQL conventions the estimator detects. */
const schema = buildSchema(/* GraphQL */ `
  interface Resource {
    id: ID
    resourceType: String
  }
  type Reference {
    reference: String
    display: String
    resource(optional: Boolean, type: String): Resource
  }
  type HumanName {
    family: String
    given(_count: Int, _offset: Int): [String]
  }
  enum Patient_Observation_reference {
    subject
    patient
  }
  type Patient implements Resource {
    id: ID
    resourceType: String
    name(_count: Int, _offset: Int): [HumanName]
    generalPractitioner(_count: Int, _offset: Int): [Reference]
    managingOrganization: Reference
    ObservationList(_reference: Patient_Observation_reference!, _count: Int, code: String): [Observation]
    ObservationConnection(_reference: Patient_Observation_reference!, _count: Int, _cursor: String): ObservationConnection
  }
  type Observation implements Resource {
    id: ID
    resourceType: String
    status: String
    subject: Reference
    performer(_count: Int, _offset: Int): [Reference]
  }
  type PatientConnection {
    count: Int
    next: String
    edges: [PatientConnectionEdge]
  }
  type PatientConnectionEdge {
    mode: String
    resource: Patient
  }
  type ObservationConnection {
    count: Int
    edges: [ObservationConnectionEdge]
  }
  type ObservationConnectionEdge {
    mode: String
    resource: Observation
  }
  type Query {
    Patient(id: ID!): Patient
    PatientList(_count: Int, name: String): [Patient]
    PatientConnection(_count: Int, _cursor: String): PatientConnection
    Observation(id: ID!): Observation
  }
  type Mutation {
    PatientCreate(res: String): Patient
  }
`);

const limits = { defaultCount: 20, maxCount: 500 };
const cost = (query: string, variables: Record<string, unknown> | undefined = {}, operationName?: string) =>
  estimateCost(schema, parse(query), variables, limits, operationName);

describe('estimateCost', () => {
  it('counts a read by id as 1 and plain elements as 0', () => {
    expect(cost('{ Patient(id: "1") { id name { family given } managingOrganization { display } } }')).toBe(1);
  });

  it('counts a list search as its _count, or defaultCount', () => {
    expect(cost('{ PatientList(_count: 50) { id } }')).toBe(50);
    expect(cost('{ PatientList(name: "x") { id } }')).toBe(20);
    expect(cost('{ PatientList(_count: 0) { id ObservationList(_reference: subject) { id } } }')).toBe(0);
  });

  it('multiplies a reverse search by its parents: 20 patients x ObservationList(_count: 100)', () => {
    expect(cost('{ PatientList(_count: 20) { id ObservationList(_reference: subject, _count: 100) { id } } }')).toBe(20 + 2000);
  });

  it('counts Reference.resource once per parent, repeating elements fanning out by DEFAULT_ELEMENT_FANOUT', () => {
    expect(DEFAULT_ELEMENT_FANOUT).toBe(3);
    expect(cost('{ PatientList(_count: 20) { generalPractitioner { resource { id } } } }')).toBe(20 + 20 * 3);
    expect(cost('{ PatientList(_count: 20) { generalPractitioner(_count: 1) { resource { id } } } }')).toBe(20 + 20);
    expect(cost('{ PatientList(_count: 20) { managingOrganization { resource { id } } } }')).toBe(20 + 20);
  });

  it('counts connections: n per call, the edges being those n', () => {
    const query = `{
      PatientConnection(_count: 10) {
        count next
        edges { mode resource { id ObservationConnection(_reference: subject, _count: 5) {
          count edges { resource { subject { resource { id } } } }
        } } }
      }
    }`;
    expect(cost(query)).toBe(10 + 10 * 5 + 10 * 5 * 1);
  });

  it('takes _count from variables, then the variable default, then defaultCount', () => {
    const query = 'query Q($n: Int, $m: Int = 7) { PatientList(_count: $n) { ObservationList(_reference: subject, _count: $m) { id } } }';
    expect(cost(query, { n: 50, m: 2 })).toBe(50 + 100);
    expect(cost(query, { n: 50 })).toBe(50 + 350);
    expect(cost(query, { n: null, m: null })).toBe(20 + 400);
  });

  it('assumes maxCount for a _count variable when the variables are unknown', () => {
    // (the `cost` helper's default would turn `undefined` into `{}`)
    expect(estimateCost(schema, parse('query Q($n: Int) { PatientList(_count: $n) { id } }'), undefined, limits)).toBe(500);
  });

  it('caps n at maxCount, literal or variable', () => {
    expect(cost('{ PatientList(_count: 10000) { id } }')).toBe(500);
    expect(cost('query Q($n: Int) { PatientList(_count: 2) { ObservationList(_reference: subject, _count: $n) { id } } }', { n: 9999 })).toBe(
      2 + 2 * 500,
    );
  });

  it('expands named and inline fragments, each spread counting again', () => {
    const query = `
      query { a: PatientList(_count: 2) { ...Obs } b: PatientList(_count: 3) { ...Obs } }
      fragment Obs on Patient { ObservationList(_reference: subject, _count: 10) { id } }
    `;
    expect(cost(query)).toBe(2 + 2 * 10 + 3 + 3 * 10);
    const inline = '{ Observation(id: "1") { subject { resource { ... on Patient { ObservationList(_reference: subject) { id } } } } } }';
    expect(cost(inline)).toBe(1 + 1 + 20);
  });

  it('counts fields under @skip / @include (conservative)', () => {
    expect(cost('query($no: Boolean = false) { PatientList(_count: 5) @include(if: $no) { id } }')).toBe(5);
  });

  it('walks mutations too, without a root cost', () => {
    expect(cost('mutation { PatientCreate(res: "{}") { ObservationList(_reference: subject, _count: 4) { id } } }')).toBe(4);
  });

  it('gives the largest operation, or the named one', () => {
    const doc = 'query A { PatientList(_count: 5) { id } } query B { Patient(id: "1") { id } }';
    expect(cost(doc)).toBe(5);
    expect(cost(doc, {}, 'B')).toBe(1);
  });

  it('gives 0 for introspection and survives fragment cycles', () => {
    expect(cost(getIntrospectionQuery())).toBe(0);
    expect(cost('{ Patient(id: "1") { ...A } } fragment A on Patient { ...B } fragment B on Patient { id ...A }')).toBe(1);
  });

  it('detects resources and connections by convention', () => {
    expect(isResourceType(schema.getType('Patient') ?? undefined)).toBe(true);
    expect(isResourceType(schema.getType('Resource') ?? undefined)).toBe(true);
    expect(isResourceType(schema.getType('Reference') ?? undefined)).toBe(false);
    expect(isConnectionType(schema.getType('PatientConnection') ?? undefined)).toBe(true);
    expect(isConnectionType(schema.getType('PatientConnectionEdge') ?? undefined)).toBe(false);
  });
});
