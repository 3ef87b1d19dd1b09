/* eslint-disable */
import * as types from './graphql.ts';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query PatientById($id: ID!) {\n  Patient(id: $id) {\n    id\n    name {\n      family\n      given\n    }\n    birthDate\n  }\n}": typeof types.PatientByIdDocument,
    "query PatientConnectionPage($cursor: String) {\n  PatientConnection(_count: 10, _cursor: $cursor) {\n    count\n    next\n    edges {\n      resource {\n        id\n      }\n    }\n  }\n}": typeof types.PatientConnectionPageDocument,
    "query PatientPage($count: Int) {\n  PatientList(_count: $count) {\n    id\n  }\n}": typeof types.PatientPageDocument,
    "query PatientWithObservations($id: ID!) {\n  Patient(id: $id) {\n    id\n    ObservationList(_reference: subject, _count: 100) {\n      id\n      valueQuantity {\n        value\n        unit\n      }\n      code {\n        coding {\n          code\n        }\n      }\n    }\n  }\n}": typeof types.PatientWithObservationsDocument,
    "query PatientsWithCareTeam {\n  PatientList(_count: 20) {\n    id\n    generalPractitioner {\n      resource {\n        ... on Practitioner {\n          name {\n            family\n          }\n        }\n      }\n    }\n    managingOrganization {\n      resource {\n        ... on Organization {\n          name\n        }\n      }\n    }\n  }\n}": typeof types.PatientsWithCareTeamDocument,
};
const documents: Documents = {
    "query PatientById($id: ID!) {\n  Patient(id: $id) {\n    id\n    name {\n      family\n      given\n    }\n    birthDate\n  }\n}": types.PatientByIdDocument,
    "query PatientConnectionPage($cursor: String) {\n  PatientConnection(_count: 10, _cursor: $cursor) {\n    count\n    next\n    edges {\n      resource {\n        id\n      }\n    }\n  }\n}": types.PatientConnectionPageDocument,
    "query PatientPage($count: Int) {\n  PatientList(_count: $count) {\n    id\n  }\n}": types.PatientPageDocument,
    "query PatientWithObservations($id: ID!) {\n  Patient(id: $id) {\n    id\n    ObservationList(_reference: subject, _count: 100) {\n      id\n      valueQuantity {\n        value\n        unit\n      }\n      code {\n        coding {\n          code\n        }\n      }\n    }\n  }\n}": types.PatientWithObservationsDocument,
    "query PatientsWithCareTeam {\n  PatientList(_count: 20) {\n    id\n    generalPractitioner {\n      resource {\n        ... on Practitioner {\n          name {\n            family\n          }\n        }\n      }\n    }\n    managingOrganization {\n      resource {\n        ... on Organization {\n          name\n        }\n      }\n    }\n  }\n}": types.PatientsWithCareTeamDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientById($id: ID!) {\n  Patient(id: $id) {\n    id\n    name {\n      family\n      given\n    }\n    birthDate\n  }\n}"): typeof import('./graphql.ts').PatientByIdDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientConnectionPage($cursor: String) {\n  PatientConnection(_count: 10, _cursor: $cursor) {\n    count\n    next\n    edges {\n      resource {\n        id\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').PatientConnectionPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientPage($count: Int) {\n  PatientList(_count: $count) {\n    id\n  }\n}"): typeof import('./graphql.ts').PatientPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientWithObservations($id: ID!) {\n  Patient(id: $id) {\n    id\n    ObservationList(_reference: subject, _count: 100) {\n      id\n      valueQuantity {\n        value\n        unit\n      }\n      code {\n        coding {\n          code\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').PatientWithObservationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientsWithCareTeam {\n  PatientList(_count: 20) {\n    id\n    generalPractitioner {\n      resource {\n        ... on Practitioner {\n          name {\n            family\n          }\n        }\n      }\n    }\n    managingOrganization {\n      resource {\n        ... on Organization {\n          name\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').PatientsWithCareTeamDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
