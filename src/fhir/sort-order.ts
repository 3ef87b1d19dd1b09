import { GatewayError } from '../errors/gateway-error.ts';
import type { SearchParamIndex } from './model/load-model.ts';
import { shown } from '../errors/shown.ts';
import { valuesAt } from './element-values.ts';

/** One `_sort` field with the element paths the gateway reads to compare resources of different sources. */
export interface SortField {
  readonly code: string;
  readonly descending: boolean;
  /** Undefined when the parameter's expression is not a plain path: the gateway cannot evaluate it. */
  readonly paths: readonly string[] | undefined;
}

/** A resource's sort key: one comparable value per sort field (undefined = the resource has no value there). */
export type SortKey = readonly (string | number | undefined)[];

/** Result parameters that are not defined on every type in the R4 bundle but sort every resource. */
const BUILT_IN_PATHS: Readonly<Record<string, readonly string[]>> = { _id: ['id'], _lastUpdated: ['meta.lastUpdated'] };

/** Parses FHIR `_sort` ('-date,family'); every field must be a search parameter of the type. */
export function parseSort(sort: string | undefined, resourceType: string, params: SearchParamIndex): SortField[] {
  if (sort === undefined || sort.trim() === '') return [];
  return sort.split(',').map((raw) => {
    const field = raw.trim();
    const descending = field.startsWith('-');
    const code = descending ? field.slice(1) : field;
    const builtIn = BUILT_IN_PATHS[code];
    if (builtIn) return { code, descending, paths: builtIn };
    const def = params(resourceType, code);
    if (!def) throw new GatewayError('BAD_USER_INPUT', `_sort: '${shown(code)}' is not a search parameter of ${resourceType}`);
    return { code, descending, paths: def.paths };
  });
}

/** The comparable values of a resource for the sort fields: the lowest value for ascending, the highest for descending. */
export function sortKeyOf(resource: object, fields: readonly SortField[]): SortKey {
  return fields.map((field) => {
    const values: (string | number)[] = [];
    for (const element of valuesAt(resource, field.paths ?? [])) {
      const comparable = comparableOf(element);
      if (comparable !== undefined) values.push(comparable);
    }
    if (values.length === 0) return undefined;
    let best = values[0]!;
    for (const v of values) if (field.descending ? compareValues(v, best) > 0 : compareValues(v, best) < 0) best = v;
    return best;
  });
}

/** Compares two sort keys field by field; a missing value sorts after every present one in both directions. */
export function compareSortKeys(a: SortKey, b: SortKey, fields: readonly SortField[]): number {
  for (let i = 0; i < fields.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined && y === undefined) continue;
    // A resource without the value sorts as if its value were the greatest: last ascending, first descending — as
    // Medplum (PostgreSQL's default NULL order) sorts, so that each source's page is in the merge's order.
    const c = x === undefined ? 1 : y === undefined ? -1 : compareValues(x, y);
    if (c !== 0) return fields[i]!.descending ? -c : c;
  }
  return 0;
}

function compareValues(x: string | number, y: string | number): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const a = String(x);
  const b = String(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The value a FHIR element sorts by: primitives as they are (strings case-insensitively), and for the complex
 * types search parameters point at, the part a server sorts on (HumanName: family then given; Period: start;
 * Quantity: value; CodeableConcept/Coding: code; Identifier: value; Reference: reference).
 */
function comparableOf(value: unknown): string | number | undefined {
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if ('family' in v || 'given' in v) {
    const given = Array.isArray(v['given']) ? (v['given'] as unknown[]).join(' ') : '';
    return `${typeof v['family'] === 'string' ? v['family'] : ''} ${given}`.trim().toLowerCase();
  }
  if ('start' in v || 'end' in v) return comparableOf(v['start'] ?? v['end']);
  if (typeof v['value'] === 'number' || typeof v['value'] === 'string') return comparableOf(v['value']);
  if (Array.isArray(v['coding'])) return comparableOf((v['coding'] as unknown[])[0]) ?? comparableOf(v['text']);
  if (typeof v['code'] === 'string') return comparableOf(v['code']);
  if (typeof v['reference'] === 'string') return comparableOf(v['reference']);
  if (typeof v['text'] === 'string') return comparableOf(v['text']);
  if ('low' in v) return comparableOf(v['low']);
  return undefined;
}
