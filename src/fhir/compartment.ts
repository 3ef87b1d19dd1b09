import type { FhirResource } from '../sources/fhir-types.ts';
import { referencesAt } from '../sources/reference.ts';

/** Where a resource type's compartment parameters point: their element paths (`subject`, `link.other`). */
export type CompartmentPaths = (resourceType: string) => readonly string[] | undefined;

/**
 * The element paths of R4's Patient compartment per resource type, from the model: the paths of the search
 * parameters its CompartmentDefinition names for the type (Observation: `subject`, `performer`).
 */
export function compartmentPaths(
  compartment: Readonly<Record<string, readonly string[]>>,
  paramPaths: (resourceType: string, code: string) => readonly string[] | undefined,
): CompartmentPaths {
  const cache = new Map<string, readonly string[] | undefined>();
  return (resourceType) => {
    if (!cache.has(resourceType)) {
      const params = compartment[resourceType];
      cache.set(resourceType, params === undefined ? undefined : Object.freeze(params.flatMap((code) => paramPaths(resourceType, code) ?? [])));
    }
    return cache.get(resourceType);
  };
}

/**
 * The ids of the Patients a resource belongs to by R4's Patient compartment, read from the resource itself: a Patient
 * belongs to its own compartment; any other type to the Patients its compartment paths reference (`Patient/123`,
 * relative or absolute, versioned or not). Undefined for a type outside the compartment (Practitioner, Organization...).
 * References to other types at those paths (a performer that is a Practitioner) are not patients and are skipped.
 */
export function compartmentPatients(resource: FhirResource, paths: CompartmentPaths): string[] | undefined {
  if (resource.resourceType === 'Patient') return resource.id === undefined ? [] : [resource.id];
  const own = paths(resource.resourceType);
  if (own === undefined) return undefined;
  const ids = new Set<string>();
  for (const reference of referencesAt(resource, own)) {
    const id = patientIdOf(reference);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/** `Patient/123`, `Patient/123/_history/2`, `https://x/fhir/Patient/123` → `123`; anything else undefined. */
export function patientIdOf(reference: string): string | undefined {
  return /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference)?.[1];
}

/** R4's Patient compartment as the access decisions use it. */
export interface CompartmentModel {
  /** Where each compartment type references its patients; undefined for types outside the compartment. */
  readonly paths: CompartmentPaths;
  /**
   * The one search parameter that restricts a search of the type to given patients at a source: `_id` for Patient;
   * else the type's compartment parameter `patient`, else `subject`, else its first one; undefined outside the
   * compartment. One parameter, because a FHIR search cannot OR two parameters (see README: Authorization).
   */
  searchParam(resourceType: string): string | undefined;
}

export function compartmentModel(
  compartment: Readonly<Record<string, readonly string[]>>,
  paramPaths: (resourceType: string, code: string) => readonly string[] | undefined,
): CompartmentModel {
  return Object.freeze({
    paths: compartmentPaths(compartment, paramPaths),
    searchParam(resourceType: string) {
      if (resourceType === 'Patient') return '_id';
      const params = compartment[resourceType];
      if (params === undefined) return undefined;
      return params.includes('patient') ? 'patient' : params.includes('subject') ? 'subject' : params[0];
    },
  });
}
