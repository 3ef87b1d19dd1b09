import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { TopLevelElements } from './model/load-model.ts';

/** What `_summary` / `_elements` ask to keep of each match. */
export type Shaping =
  | { readonly kind: 'full' }
  | { readonly kind: 'count' }
  | { readonly kind: 'summary' | 'text' | 'data' }
  | { readonly kind: 'elements'; readonly names: readonly string[] };

const SUMMARY = new Set(['true', 'false', 'text', 'data', 'count']);
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
/** Always kept: what makes a resource a resource. */
const BASE = ['resourceType', 'id', 'meta', 'implicitRules'];

export function parseShaping(summary: string | undefined, elements: string | undefined): Shaping {
  if (summary !== undefined && elements !== undefined) {
    throw new GatewayError('BAD_USER_INPUT', '_summary and _elements cannot be used together');
  }
  if (summary !== undefined) {
    if (!SUMMARY.has(summary)) throw new GatewayError('BAD_USER_INPUT', `_summary must be one of ${[...SUMMARY].join(', ')}`);
    if (summary === 'false') return { kind: 'full' };
    if (summary === 'true') return { kind: 'summary' };
    return { kind: summary as 'text' | 'data' | 'count' };
  }
  if (elements !== undefined) {
    const names = elements.split(',').map((e) => e.trim()).filter((e) => e !== '');
    const bad = names.find((n) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(n));
    if (bad !== undefined) throw new GatewayError('BAD_USER_INPUT', `_elements: '${shown(bad)}' is not an element name (only top-level elements can be named)`);
    return names.length > 0 ? { kind: 'elements', names } : { kind: 'full' };
  }
  return { kind: 'full' };
}

/**
 * Applies `_summary` / `_elements` at the gateway, so that the answer is the same whatever each upstream does with
 * them (and a merge across sources still sees the elements it sorts by). Top-level elements only, as the spec
 * defines `_elements`; a subset is tagged SUBSETTED. The resource is copied, never changed in place.
 */
export function shape(resource: FhirResource, shaping: Shaping, elementsOf: (type: string) => TopLevelElements | undefined): FhirResource {
  if (shaping.kind === 'full' || shaping.kind === 'count') return resource;
  const known = elementsOf(resource.resourceType);
  let keep: (name: string) => boolean;
  switch (shaping.kind) {
    case 'data':
      keep = (name) => name !== 'text';
      break;
    case 'text':
      keep = (name) => BASE.includes(name) || name === 'text' || (known?.required.has(name) ?? false);
      break;
    case 'summary':
      keep = (name) => BASE.includes(name) || (known?.summary.has(name) ?? true);
      break;
    case 'elements': {
      const wanted = shaping.names;
      keep = (name) =>
        BASE.includes(name) || (known?.required.has(name) ?? false) ||
        wanted.some((w) => name === w || (name.startsWith(w) && /^[A-Z]/.test(name.charAt(w.length))));
      break;
    }
  }
  const out: FhirResource = { resourceType: resource.resourceType };
  // A primitive's extensions (`_birthDate`) go with the primitive.
  for (const [name, value] of Object.entries(resource)) if (keep(name.startsWith('_') ? name.slice(1) : name)) out[name] = value;
  const tags = Array.isArray(resource.meta?.['tag']) ? (resource.meta['tag'] as Array<{ code?: string }>) : [];
  if (!tags.some((t) => t.code === SUBSETTED.code)) out.meta = { ...resource.meta, tag: [...tags, SUBSETTED] };
  return out;
}
