import DataLoader from 'dataloader';
import type { FhirResource } from '../sources/fhir-types.ts';
import { queryKey, type SearchQuery } from '../sources/search-query.ts';
import { SEP, sourceOrThrow, type LoaderDeps } from './loader-deps.ts';
import { splitByReference } from './split-by-reference.ts';

export interface ReverseRequest {
  readonly sourceId: string;
  /** The referencing type (Observation). */
  readonly resourceType: string;
  /** Its reference search parameter (subject). */
  readonly param: string;
  /** The parent the references point at (Patient/123). */
  readonly target: string;
  /** Further search parameters (code, date, _sort...), never _count/_offset (those slice per parent). */
  readonly query: SearchQuery;
}

export type ReverseLoader = DataLoader<ReverseRequest, FhirResource[], string>;

function groupKey(r: ReverseRequest): string {
  return r.sourceId + SEP + r.resourceType + SEP + r.param + SEP + queryKey(r.query);
}

/**
 * Reverse references of sibling parents in one search per source, type, parameter and filter:
 * `Observation?subject=Patient/a,Patient/b&...`, split into URL-sized chunks, every `next` page
 * followed, then the matches handed back to each parent.
 */
export function createReverseLoader(deps: LoaderDeps): ReverseLoader {
  return new DataLoader<ReverseRequest, FhirResource[], string>(
    async (requests) => {
      const groups = new Map<string, ReverseRequest[]>();
      for (const r of requests) {
        const key = groupKey(r);
        const list = groups.get(key);
        if (list) list.push(r);
        else groups.set(key, [r]);
      }
      const results = new Map<string, FhirResource[] | Error>();
      await Promise.all(
        [...groups.entries()].map(async ([key, group]) => {
          const { sourceId, resourceType, param, query } = group[0]!;
          try {
            const client = sourceOrThrow(deps, sourceId).client;
            const targets = [...new Set(group.map((r) => r.target))];
            const chunks = client.chunkValues(resourceType, param, targets, 64 + queryKey(query).length);
            const pages = await Promise.all(
              chunks.map((chunk) =>
                client.searchAll(resourceType, [...query, [param, chunk.join(',')], ['_count', String(client.batchPageSize)]], deps.call),
              ),
            );
            const split = splitByReference(pages.flat(), new Set(targets), deps.referencePaths(resourceType, param), client.baseUrl);
            for (const target of targets) results.set(key + SEP + target, split.get(target) ?? []);
          } catch (error) {
            for (const r of group) results.set(key + SEP + r.target, error as Error);
          }
        }),
      );
      return requests.map((r) => results.get(groupKey(r) + SEP + r.target) ?? new Error('reverse loader lost a key'));
    },
    { cacheKeyFn: (r) => groupKey(r) + SEP + r.target },
  );
}
