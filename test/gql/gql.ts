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
    "mutation CreateObservation($res: ObservationCreate!, $sourceId: String) {\n  ObservationCreate(res: $res, sourceId: $sourceId) {\n    id\n    sourceId\n    status\n    code {\n      coding {\n        system\n        code\n      }\n    }\n    valueQuantity {\n      value\n      unit\n    }\n    subject {\n      reference\n      resource {\n        ... on Patient {\n          id\n          name {\n            family\n          }\n        }\n      }\n    }\n    meta {\n      versionId\n    }\n  }\n}": typeof types.CreateObservationDocument,
    "mutation CreatePatient($res: PatientCreate!, $ifNoneExist: String, $sourceId: String) {\n  PatientCreate(res: $res, ifNoneExist: $ifNoneExist, sourceId: $sourceId) {\n    resourceType\n    id\n    sourceId\n    gender\n    birthDate\n    name {\n      family\n      given\n    }\n    identifier {\n      system\n      value\n    }\n    meta {\n      versionId\n      lastUpdated\n    }\n  }\n}": typeof types.CreatePatientDocument,
    "mutation DeletePatient($id: ID!, $ifMatch: String, $sourceId: String) {\n  PatientDelete(id: $id, ifMatch: $ifMatch, sourceId: $sourceId) {\n    resourceType\n    id\n    sourceId\n    outcome {\n      issue {\n        severity\n        code\n        diagnostics\n      }\n    }\n  }\n}": typeof types.DeletePatientDocument,
    "subscription ObservationChanged($patient: String, $category: String, $since: String) {\n  ObservationChanged(patient: $patient, category: $category, _since: $since) {\n    eventNumber\n    action\n    sourceId\n    id\n    resource {\n      id\n      status\n      code {\n        text\n        coding {\n          system\n          code\n        }\n      }\n      valueQuantity {\n        value\n        unit\n      }\n      subject {\n        reference\n        resource {\n          ... on Patient {\n            id\n            name {\n              family\n            }\n          }\n        }\n      }\n    }\n  }\n}": typeof types.ObservationChangedDocument,
    "query PatientById($id: ID!) {\n  Patient(id: $id) {\n    id\n    name {\n      family\n      given\n    }\n    birthDate\n  }\n}": typeof types.PatientByIdDocument,
    "query PatientConnectionPage($cursor: String) {\n  PatientConnection(_count: 10, _cursor: $cursor) {\n    count\n    next\n    edges {\n      resource {\n        id\n      }\n    }\n  }\n}": typeof types.PatientConnectionPageDocument,
    "query PatientFlattened($id: ID!) {\n  Patient(id: $id) {\n    identifier @flatten {\n      system @singleton\n      value @singleton\n    }\n    active\n    name @flatten @first {\n      given\n      family @singleton\n    }\n  }\n}": typeof types.PatientFlattenedDocument,
    "fragment PatientFocus on Patient {\n  id\n  gender\n  name {\n    family\n    given\n  }\n  ObservationList(_reference: subject, _count: $obsCount) {\n    id\n    status\n    subject {\n      reference\n    }\n  }\n}\n\nquery PatientFocusById($id: ID!, $obsCount: Int) {\n  Patient(id: $id) {\n    ...PatientFocus\n  }\n}": typeof types.PatientFocusFragmentDoc,
    "query PatientNamesByUse($id: ID!) {\n  Patient(id: $id) {\n    id\n    name @slice(path: \"use\") @singleton {\n      family\n      given @first\n    }\n  }\n}": typeof types.PatientNamesByUseDocument,
    "query PatientNamesFiltered($id: ID!, $use: code!, $system: String!) {\n  Patient(id: $id) {\n    id\n    name(use: $use) {\n      family\n      given\n    }\n    phones: telecom(system: phone) {\n      value\n      use\n    }\n    identifier(system: $system) {\n      value\n    }\n  }\n}": typeof types.PatientNamesFilteredDocument,
    "query PatientPage($count: Int) {\n  PatientList(_count: $count) {\n    id\n  }\n}": typeof types.PatientPageDocument,
    "query PatientSearchPage($identifier: String, $count: Int, $cursor: String) {\n  PatientConnection(identifier: $identifier, _count: $count, _cursor: $cursor) {\n    count\n    offset\n    pageSize\n    first\n    previous\n    next\n    last\n    edges {\n      mode\n      resource {\n        id\n        identifier {\n          system\n          value\n        }\n      }\n    }\n  }\n}": typeof types.PatientSearchPageDocument,
    "query PatientWithObservations($id: ID!) {\n  Patient(id: $id) {\n    id\n    ObservationList(_reference: subject, _count: 100) {\n      id\n      valueQuantity {\n        value\n        unit\n      }\n      code {\n        coding {\n          code\n        }\n      }\n    }\n  }\n}": typeof types.PatientWithObservationsDocument,
    "query PatientsWithCareTeam {\n  PatientList(_count: 20) {\n    id\n    generalPractitioner {\n      resource {\n        ... on Practitioner {\n          name {\n            family\n          }\n        }\n      }\n    }\n    managingOrganization {\n      resource {\n        ... on Organization {\n          name\n        }\n      }\n    }\n  }\n}": typeof types.PatientsWithCareTeamDocument,
    "mutation UpdatePatient($id: ID!, $res: PatientCreate!, $ifMatch: String, $sourceId: String) {\n  PatientUpdate(id: $id, res: $res, ifMatch: $ifMatch, sourceId: $sourceId) {\n    id\n    sourceId\n    gender\n    name {\n      family\n      given\n    }\n    meta {\n      versionId\n    }\n  }\n}": typeof types.UpdatePatientDocument,
};
const documents: Documents = {
    "mutation CreateObservation($res: ObservationCreate!, $sourceId: String) {\n  ObservationCreate(res: $res, sourceId: $sourceId) {\n    id\n    sourceId\n    status\n    code {\n      coding {\n        system\n        code\n      }\n    }\n    valueQuantity {\n      value\n      unit\n    }\n    subject {\n      reference\n      resource {\n        ... on Patient {\n          id\n          name {\n            family\n          }\n        }\n      }\n    }\n    meta {\n      versionId\n    }\n  }\n}": types.CreateObservationDocument,
    "mutation CreatePatient($res: PatientCreate!, $ifNoneExist: String, $sourceId: String) {\n  PatientCreate(res: $res, ifNoneExist: $ifNoneExist, sourceId: $sourceId) {\n    resourceType\n    id\n    sourceId\n    gender\n    birthDate\n    name {\n      family\n      given\n    }\n    identifier {\n      system\n      value\n    }\n    meta {\n      versionId\n      lastUpdated\n    }\n  }\n}": types.CreatePatientDocument,
    "mutation DeletePatient($id: ID!, $ifMatch: String, $sourceId: String) {\n  PatientDelete(id: $id, ifMatch: $ifMatch, sourceId: $sourceId) {\n    resourceType\n    id\n    sourceId\n    outcome {\n      issue {\n        severity\n        code\n        diagnostics\n      }\n    }\n  }\n}": types.DeletePatientDocument,
    "subscription ObservationChanged($patient: String, $category: String, $since: String) {\n  ObservationChanged(patient: $patient, category: $category, _since: $since) {\n    eventNumber\n    action\n    sourceId\n    id\n    resource {\n      id\n      status\n      code {\n        text\n        coding {\n          system\n          code\n        }\n      }\n      valueQuantity {\n        value\n        unit\n      }\n      subject {\n        reference\n        resource {\n          ... on Patient {\n            id\n            name {\n              family\n            }\n          }\n        }\n      }\n    }\n  }\n}": types.ObservationChangedDocument,
    "query PatientById($id: ID!) {\n  Patient(id: $id) {\n    id\n    name {\n      family\n      given\n    }\n    birthDate\n  }\n}": types.PatientByIdDocument,
    "query PatientConnectionPage($cursor: String) {\n  PatientConnection(_count: 10, _cursor: $cursor) {\n    count\n    next\n    edges {\n      resource {\n        id\n      }\n    }\n  }\n}": types.PatientConnectionPageDocument,
    "query PatientFlattened($id: ID!) {\n  Patient(id: $id) {\n    identifier @flatten {\n      system @singleton\n      value @singleton\n    }\n    active\n    name @flatten @first {\n      given\n      family @singleton\n    }\n  }\n}": types.PatientFlattenedDocument,
    "fragment PatientFocus on Patient {\n  id\n  gender\n  name {\n    family\n    given\n  }\n  ObservationList(_reference: subject, _count: $obsCount) {\n    id\n    status\n    subject {\n      reference\n    }\n  }\n}\n\nquery PatientFocusById($id: ID!, $obsCount: Int) {\n  Patient(id: $id) {\n    ...PatientFocus\n  }\n}": types.PatientFocusFragmentDoc,
    "query PatientNamesByUse($id: ID!) {\n  Patient(id: $id) {\n    id\n    name @slice(path: \"use\") @singleton {\n      family\n      given @first\n    }\n  }\n}": types.PatientNamesByUseDocument,
    "query PatientNamesFiltered($id: ID!, $use: code!, $system: String!) {\n  Patient(id: $id) {\n    id\n    name(use: $use) {\n      family\n      given\n    }\n    phones: telecom(system: phone) {\n      value\n      use\n    }\n    identifier(system: $system) {\n      value\n    }\n  }\n}": types.PatientNamesFilteredDocument,
    "query PatientPage($count: Int) {\n  PatientList(_count: $count) {\n    id\n  }\n}": types.PatientPageDocument,
    "query PatientSearchPage($identifier: String, $count: Int, $cursor: String) {\n  PatientConnection(identifier: $identifier, _count: $count, _cursor: $cursor) {\n    count\n    offset\n    pageSize\n    first\n    previous\n    next\n    last\n    edges {\n      mode\n      resource {\n        id\n        identifier {\n          system\n          value\n        }\n      }\n    }\n  }\n}": types.PatientSearchPageDocument,
    "query PatientWithObservations($id: ID!) {\n  Patient(id: $id) {\n    id\n    ObservationList(_reference: subject, _count: 100) {\n      id\n      valueQuantity {\n        value\n        unit\n      }\n      code {\n        coding {\n          code\n        }\n      }\n    }\n  }\n}": types.PatientWithObservationsDocument,
    "query PatientsWithCareTeam {\n  PatientList(_count: 20) {\n    id\n    generalPractitioner {\n      resource {\n        ... on Practitioner {\n          name {\n            family\n          }\n        }\n      }\n    }\n    managingOrganization {\n      resource {\n        ... on Organization {\n          name\n        }\n      }\n    }\n  }\n}": types.PatientsWithCareTeamDocument,
    "mutation UpdatePatient($id: ID!, $res: PatientCreate!, $ifMatch: String, $sourceId: String) {\n  PatientUpdate(id: $id, res: $res, ifMatch: $ifMatch, sourceId: $sourceId) {\n    id\n    sourceId\n    gender\n    name {\n      family\n      given\n    }\n    meta {\n      versionId\n    }\n  }\n}": types.UpdatePatientDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateObservation($res: ObservationCreate!, $sourceId: String) {\n  ObservationCreate(res: $res, sourceId: $sourceId) {\n    id\n    sourceId\n    status\n    code {\n      coding {\n        system\n        code\n      }\n    }\n    valueQuantity {\n      value\n      unit\n    }\n    subject {\n      reference\n      resource {\n        ... on Patient {\n          id\n          name {\n            family\n          }\n        }\n      }\n    }\n    meta {\n      versionId\n    }\n  }\n}"): typeof import('./graphql.ts').CreateObservationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreatePatient($res: PatientCreate!, $ifNoneExist: String, $sourceId: String) {\n  PatientCreate(res: $res, ifNoneExist: $ifNoneExist, sourceId: $sourceId) {\n    resourceType\n    id\n    sourceId\n    gender\n    birthDate\n    name {\n      family\n      given\n    }\n    identifier {\n      system\n      value\n    }\n    meta {\n      versionId\n      lastUpdated\n    }\n  }\n}"): typeof import('./graphql.ts').CreatePatientDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeletePatient($id: ID!, $ifMatch: String, $sourceId: String) {\n  PatientDelete(id: $id, ifMatch: $ifMatch, sourceId: $sourceId) {\n    resourceType\n    id\n    sourceId\n    outcome {\n      issue {\n        severity\n        code\n        diagnostics\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').DeletePatientDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ObservationChanged($patient: String, $category: String, $since: String) {\n  ObservationChanged(patient: $patient, category: $category, _since: $since) {\n    eventNumber\n    action\n    sourceId\n    id\n    resource {\n      id\n      status\n      code {\n        text\n        coding {\n          system\n          code\n        }\n      }\n      valueQuantity {\n        value\n        unit\n      }\n      subject {\n        reference\n        resource {\n          ... on Patient {\n            id\n            name {\n              family\n            }\n          }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').ObservationChangedDocument;
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
export function graphql(source: "query PatientFlattened($id: ID!) {\n  Patient(id: $id) {\n    identifier @flatten {\n      system @singleton\n      value @singleton\n    }\n    active\n    name @flatten @first {\n      given\n      family @singleton\n    }\n  }\n}"): typeof import('./graphql.ts').PatientFlattenedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment PatientFocus on Patient {\n  id\n  gender\n  name {\n    family\n    given\n  }\n  ObservationList(_reference: subject, _count: $obsCount) {\n    id\n    status\n    subject {\n      reference\n    }\n  }\n}\n\nquery PatientFocusById($id: ID!, $obsCount: Int) {\n  Patient(id: $id) {\n    ...PatientFocus\n  }\n}"): typeof import('./graphql.ts').PatientFocusFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientNamesByUse($id: ID!) {\n  Patient(id: $id) {\n    id\n    name @slice(path: \"use\") @singleton {\n      family\n      given @first\n    }\n  }\n}"): typeof import('./graphql.ts').PatientNamesByUseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientNamesFiltered($id: ID!, $use: code!, $system: String!) {\n  Patient(id: $id) {\n    id\n    name(use: $use) {\n      family\n      given\n    }\n    phones: telecom(system: phone) {\n      value\n      use\n    }\n    identifier(system: $system) {\n      value\n    }\n  }\n}"): typeof import('./graphql.ts').PatientNamesFilteredDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientPage($count: Int) {\n  PatientList(_count: $count) {\n    id\n  }\n}"): typeof import('./graphql.ts').PatientPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientSearchPage($identifier: String, $count: Int, $cursor: String) {\n  PatientConnection(identifier: $identifier, _count: $count, _cursor: $cursor) {\n    count\n    offset\n    pageSize\n    first\n    previous\n    next\n    last\n    edges {\n      mode\n      resource {\n        id\n        identifier {\n          system\n          value\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').PatientSearchPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientWithObservations($id: ID!) {\n  Patient(id: $id) {\n    id\n    ObservationList(_reference: subject, _count: 100) {\n      id\n      valueQuantity {\n        value\n        unit\n      }\n      code {\n        coding {\n          code\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').PatientWithObservationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PatientsWithCareTeam {\n  PatientList(_count: 20) {\n    id\n    generalPractitioner {\n      resource {\n        ... on Practitioner {\n          name {\n            family\n          }\n        }\n      }\n    }\n    managingOrganization {\n      resource {\n        ... on Organization {\n          name\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql.ts').PatientsWithCareTeamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdatePatient($id: ID!, $res: PatientCreate!, $ifMatch: String, $sourceId: String) {\n  PatientUpdate(id: $id, res: $res, ifMatch: $ifMatch, sourceId: $sourceId) {\n    id\n    sourceId\n    gender\n    name {\n      family\n      given\n    }\n    meta {\n      versionId\n    }\n  }\n}"): typeof import('./graphql.ts').UpdatePatientDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
