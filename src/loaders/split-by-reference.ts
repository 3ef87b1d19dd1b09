import type { FhirResource } from '../sources/fhir-types.ts';
import { withoutVersion } from '../sources/reference.ts';

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
    const refs = new Set<string>();
    if (paths) for (const path of paths) collectAtPath(resource, path.split('.'), 0, refs);
    else collectEverywhere(resource, refs);
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

function collectAtPath(value: unknown, steps: readonly string[], i: number, out: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectAtPath(item, steps, i, out);
    return;
  }
  if (i === steps.length) {
    const reference = (value as { reference?: unknown }).reference;
    if (typeof reference === 'string') out.add(reference);
    return;
  }
  collectAtPath((value as Record<string, unknown>)[steps[i]!], steps, i + 1, out);
}

function collectEverywhere(value: unknown, out: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectEverywhere(item, out);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') out.add(child);
    else if (key !== 'contained') collectEverywhere(child, out);
  }
}
