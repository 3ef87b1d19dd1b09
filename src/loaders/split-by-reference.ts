import type { FhirResource } from '../sources/fhir-types.ts';
import { referencesAt, withoutVersion } from '../sources/reference.ts';

/**
 * Assigns each resource of a batched reverse-reference search to the parents it points at, looking only
 * where the search parameter looks (its element paths) so that an Observation whose *performer* is a
 * Patient is not taken for one whose *subject* is. Upstream order is kept within each parent.
 */
export function splitByReference(
  resources: readonly FhirResource[],
  targets: ReadonlySet<string>,
  paths: readonly string[] | undefined,
  baseUrl: string,
): Map<string, FhirResource[]> {
  const out = new Map<string, FhirResource[]>();
  for (const resource of resources) {
    const refs = paths ? referencesAt(resource, paths) : collectEverywhere(resource, new Set());
    for (const raw of refs) {
      const ref = normalise(raw, baseUrl);
      if (!targets.has(ref)) continue;
      let list = out.get(ref);
      if (!list) out.set(ref, (list = []));
      if (list[list.length - 1] !== resource) list.push(resource);
    }
  }
  return out;
}

function normalise(reference: string, baseUrl: string): string {
  const relative = reference.startsWith(baseUrl + '/') ? reference.slice(baseUrl.length + 1) : reference;
  return withoutVersion(relative);
}

function collectEverywhere(value: unknown, out: Set<string>): Set<string> {
  if (value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const item of value) collectEverywhere(item, out);
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') out.add(child);
    else if (key !== 'contained') collectEverywhere(child, out);
  }
  return out;
}
