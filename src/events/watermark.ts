import type { FhirResource } from '../sources/fhir-types.ts';
import type { SearchQuery } from '../sources/search-query.ts';

/**
 * How far the changes of one resource type on one source have been captured, by the source's own clock
 * (`meta.lastUpdated`): every version last updated before `lastUpdated` is captured, and of those at exactly
 * `lastUpdated`, the ones in `seen`. The next search asks for `_lastUpdated=ge<lastUpdated>` and leaves `seen` out —
 * `ge`, not `gt`, because a second resource may be written within the same clock tick after the search (de-duplicated
 * by versionId).
 */
export interface Watermark {
  /** The newest `meta.lastUpdated` captured, as the source wrote it; null: nothing is captured, every resource is new. */
  readonly lastUpdated: string | null;
  /**
   * The versions at exactly `lastUpdated` that were captured (`id|versionId`); null: all of them are old (a baseline
   * taken from the newest resource: the next search asks for `gt`).
   */
  readonly seen: readonly string[] | null;
}

/** Nothing captured yet: every resource the source holds is new. */
export const EMPTY_WATERMARK: Watermark = Object.freeze({ lastUpdated: null, seen: Object.freeze([]) });

/** The search parameters that ask for what a watermark has not captured. */
export function sinceQuery(watermark: Watermark): SearchQuery {
  if (watermark.lastUpdated === null) return [];
  return [['_lastUpdated', `${watermark.seen === null ? 'gt' : 'ge'}${watermark.lastUpdated}`]];
}

/** `id|versionId` (or `id|@lastUpdated` for a source without versions): one version of a resource. */
export function versionKey(resource: FhirResource): string {
  return `${resource.id ?? ''}|${resource.meta?.versionId ?? `@${resource.meta?.lastUpdated ?? ''}`}`;
}

function instant(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether a resource a search returned is a version the watermark has not captured. */
export function isNew(watermark: Watermark, resource: FhirResource): boolean {
  const at = instant(resource.meta?.lastUpdated);
  const mark = instant(watermark.lastUpdated);
  if (at === undefined || mark === undefined) return true; // cannot place it: the log's de-duplication decides
  if (at !== mark) return at > mark;
  return watermark.seen !== null && !watermark.seen.includes(versionKey(resource));
}

/** The watermark after capturing `resource` (never moves back). */
export function advance(watermark: Watermark, resource: FhirResource): Watermark {
  const lastUpdated = resource.meta?.lastUpdated;
  const at = instant(lastUpdated);
  if (at === undefined || lastUpdated === undefined) return watermark;
  const mark = instant(watermark.lastUpdated);
  if (mark === undefined || at > mark) return { lastUpdated, seen: [versionKey(resource)] };
  if (at < mark || watermark.seen === null) return watermark; // a baseline instant is captured whole already
  const key = versionKey(resource);
  return watermark.seen.includes(key) ? watermark : { lastUpdated: watermark.lastUpdated, seen: [...watermark.seen, key] };
}

/** A stored value that is a watermark (positions are read back from the database). */
export function asWatermark(value: unknown): Watermark | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { lastUpdated, seen } = value as Record<string, unknown>;
  if (lastUpdated !== null && typeof lastUpdated !== 'string') return undefined;
  if (seen !== null && !(Array.isArray(seen) && seen.every((s) => typeof s === 'string'))) return undefined;
  return { lastUpdated, seen: seen as string[] | null };
}
