import type { FhirResource } from './fhir-types.ts';
import { parseReference } from './reference.ts';

/**
 * The included resources (`_include` / `_revinclude`, `:iterate` too) that belong to a page of matches: those a
 * match refers to or that refer to a match, and, transitively, those linked the same way to a resource already kept.
 * A merged page takes only part of each source's page, so the upstream's includes for the matches left out must go.
 * References are compared as `Type/id` (relative ones, or absolute ones whose tail is `Type/id[/_history/v]`).
 */
export function linkedIncludes(matches: readonly FhirResource[], included: readonly FhirResource[]): FhirResource[] {
  if (included.length === 0) return [];
  const kept = new Set<string>();
  const pointsAt = new Set<string>(); // Type/id referenced by a kept resource
  const keep = (r: FhirResource) => {
    kept.add(keyOf(r));
    for (const ref of referencesIn(r)) pointsAt.add(ref);
  };
  for (const m of matches) keep(m);
  const out = new Set<FhirResource>();
  let pending = included.filter((r) => r.id !== undefined && !kept.has(keyOf(r)));
  for (let changed = true; changed && pending.length > 0; ) {
    changed = false;
    const next: FhirResource[] = [];
    for (const r of pending) {
      if (kept.has(keyOf(r))) continue; // the same resource included twice
      if (pointsAt.has(keyOf(r)) || referencesIn(r).some((ref) => kept.has(ref))) {
        keep(r);
        out.add(r);
        changed = true;
      } else {
        next.push(r);
      }
    }
    pending = next;
  }
  return included.filter((r) => out.has(r));
}

function keyOf(r: FhirResource): string {
  return `${r.resourceType}/${r.id}`;
}

const cache = new WeakMap<FhirResource, string[]>();

/** Every literal reference in a resource (contained resources included), as `Type/id`. */
function referencesIn(resource: FhirResource): string[] {
  let refs = cache.get(resource);
  if (refs) return refs;
  refs = [];
  collect(resource, refs);
  cache.set(resource, refs);
  return refs;
}

function collect(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [name, child] of Object.entries(value)) {
    if (name === 'reference' && typeof child === 'string') {
      const key = typeIdOf(child);
      if (key) out.push(key);
    } else if (typeof child === 'object') {
      collect(child, out);
    }
  }
}

function typeIdOf(reference: string): string | undefined {
  let parsed = parseReference(reference);
  if (parsed.kind === 'absolute') {
    const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(parsed.url);
    if (!m) return undefined;
    parsed = parseReference(m[1]!);
  }
  return parsed.kind === 'relative' ? `${parsed.resourceType}/${parsed.id}` : undefined;
}
