/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type PatientByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type PatientByIdQuery = { Patient: { id: string | null, birthDate: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null } | null };

export type PatientConnectionPageQueryVariables = Exact<{
  cursor?: string | null | undefined;
}>;


export type PatientConnectionPageQuery = { PatientConnection: { count: number | null, next: string | null, edges: Array<{ resource: { id: string | null } | null } | null> | null } | null };

export type PatientPageQueryVariables = Exact<{
  count?: number | null | undefined;
}>;


export type PatientPageQuery = { PatientList: Array<{ id: string | null } | null> | null };

export type PatientWithObservationsQueryVariables = Exact<{
  id: string | number;
}>;


export type PatientWithObservationsQuery = { Patient: { id: string | null, ObservationList: Array<{ id: string | null, valueQuantity: { value: number | null, unit: string | null } | null, code: { coding: Array<{ code: string | null } | null> | null } | null } | null> | null } | null };

export type PatientsWithCareTeamQueryVariables = Exact<{ [key: string]: never; }>;


export type PatientsWithCareTeamQuery = { PatientList: Array<{ id: string | null, generalPractitioner: Array<{ resource:
        | { name: Array<{ family: string | null } | null> | null }
        | Record<PropertyKey, never>
       | null } | null> | null, managingOrganization: { resource:
        | { name: string | null }
        | Record<PropertyKey, never>
       | null } | null } | null> | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const PatientByIdDocument = new TypedDocumentString(`
    query PatientById($id: ID!) {
  Patient(id: $id) {
    id
    name {
      family
      given
    }
    birthDate
  }
}
    `) as unknown as TypedDocumentString<PatientByIdQuery, PatientByIdQueryVariables>;
export const PatientConnectionPageDocument = new TypedDocumentString(`
    query PatientConnectionPage($cursor: String) {
  PatientConnection(_count: 10, _cursor: $cursor) {
    count
    next
    edges {
      resource {
        id
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientConnectionPageQuery, PatientConnectionPageQueryVariables>;
export const PatientPageDocument = new TypedDocumentString(`
    query PatientPage($count: Int) {
  PatientList(_count: $count) {
    id
  }
}
    `) as unknown as TypedDocumentString<PatientPageQuery, PatientPageQueryVariables>;
export const PatientWithObservationsDocument = new TypedDocumentString(`
    query PatientWithObservations($id: ID!) {
  Patient(id: $id) {
    id
    ObservationList(_reference: subject, _count: 100) {
      id
      valueQuantity {
        value
        unit
      }
      code {
        coding {
          code
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientWithObservationsQuery, PatientWithObservationsQueryVariables>;
export const PatientsWithCareTeamDocument = new TypedDocumentString(`
    query PatientsWithCareTeam {
  PatientList(_count: 20) {
    id
    generalPractitioner {
      resource {
        ... on Practitioner {
          name {
            family
          }
        }
      }
    }
    managingOrganization {
      resource {
        ... on Organization {
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientsWithCareTeamQuery, PatientsWithCareTeamQueryVariables>;