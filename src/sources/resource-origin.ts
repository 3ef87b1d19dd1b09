import type { FhirResource } from './fhir-types.ts';

/**
 * Where an object of a response came from: the source that served the enclosing resource, and that
 * resource itself (for `#contained` references). Loaders tag every resource they return; the schema
 * passes the tag on to nested objects as it resolves them, so a Reference deep inside a resource still
 * knows which source a relative reference points into.
 */
export interface Origin {
  readonly sourceId: string;
  readonly root: FhirResource;
}

export const ORIGIN: unique symbol = Symbol('fhir-gateway.origin');

type Tagged = { [ORIGIN]?: Origin };

export function tagResource<T extends FhirResource>(resource: T, sourceId: string): T {
  (resource as Tagged)[ORIGIN] = { sourceId, root: resource };
  return resource;
}

export function originOf(value: unknown): Origin | undefined {
  return typeof value === 'object' && value !== null ? (value as Tagged)[ORIGIN] : undefined;
}

/** Passes the parent's origin on to a child object (or each object of a child array) and returns it. */
export function inheritOrigin<T>(child: T, origin: Origin | undefined): T {
  if (origin === undefined || child === null || typeof child !== 'object') return child;
  if (Array.isArray(child)) {
    for (const item of child) inheritOrigin(item, origin);
  } else if ((child as Tagged)[ORIGIN] === undefined) {
    (child as Tagged)[ORIGIN] = (child as { resourceType?: unknown }).resourceType !== undefined
      ? { sourceId: origin.sourceId, root: child as unknown as FhirResource } // a contained resource is its own root
      : origin;
  }
  return child;
}
