import DataLoader from 'dataloader';
import type { SearchPage } from '../sources/fhir-client.ts';
import { queryKey, type SearchQuery } from '../sources/search-query.ts';
import { SEP, sourceOrThrow, type LoaderDeps } from './loader-deps.ts';

export type SearchRequest =
  | { readonly sourceId: string; readonly resourceType: string; readonly query: SearchQuery }
  | { readonly sourceId: string; readonly resourceType: string; readonly link: string };

export type SearchLoader = DataLoader<SearchRequest, SearchPage, string>;

function keyOf(req: SearchRequest): string {
  return req.sourceId + SEP + req.resourceType + SEP + ('link' in req ? 'link' + SEP + req.link : queryKey(req.query));
}

/**
 * One page of a search. Searches cannot be merged, so the batch runs them in parallel; the loader's
 * cache makes identical searches within one GraphQL request go upstream once.
 */
export function createSearchLoader(deps: LoaderDeps): SearchLoader {
  return new DataLoader<SearchRequest, SearchPage, string>(
    (requests) =>
      Promise.all(
        requests.map(async (req) => {
          try {
            const client = sourceOrThrow(deps, req.sourceId).client;
            return 'link' in req
              ? await client.searchLink(req.resourceType, req.link, deps.call)
              : await client.search(req.resourceType, req.query, deps.call);
          } catch (error) {
            return error as Error;
          }
        }),
      ),
    { cacheKeyFn: keyOf },
  );
}
