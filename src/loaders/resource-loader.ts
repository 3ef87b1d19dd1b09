import DataLoader from 'dataloader';
import type { FhirResource } from '../sources/fhir-types.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { SEP, sourceOrThrow, type LoaderDeps } from './loader-deps.ts';

export type ResourceLoader = DataLoader<string, FhirResource>;

export function resourceKey(sourceId: string, resourceType: string, id: string, versionId?: string): string {
  return sourceId + SEP + resourceType + SEP + id + (versionId === undefined ? '' : SEP + versionId);
}

/**
 * Reads by id, batched per source and type: one id is a plain read (GET Type/id), several become
 * `_id=a,b,c` searches; a versioned key is a vread. Results come back in key order; a missing id is a
 * NOT_FOUND error in its own slot (the search itself succeeded, so no upstream status is claimed).
 */
export function createResourceLoader(deps: LoaderDeps): ResourceLoader {
  return new DataLoader<string, FhirResource>(async (keys) => {
    const groups = new Map<string, { sourceId: string; resourceType: string; ids: Set<string> }>();
    const versioned: string[] = [];
    for (const key of keys) {
      const [sourceId, resourceType, id, versionId] = key.split(SEP) as [string, string, string, string?];
      if (versionId !== undefined) {
        versioned.push(key);
        continue;
      }
      const groupKey = sourceId + SEP + resourceType;
      let group = groups.get(groupKey);
      if (!group) groups.set(groupKey, (group = { sourceId, resourceType, ids: new Set() }));
      group.ids.add(id);
    }
    const found = new Map<string, FhirResource | Error>();
    const vreads = versioned.map(async (key) => {
      const [sourceId, resourceType, id, versionId] = key.split(SEP) as [string, string, string, string];
      try {
        found.set(key, await sourceOrThrow(deps, sourceId).client.vread(resourceType, id, versionId, deps.call));
      } catch (error) {
        found.set(key, error as Error);
      }
    });
    await Promise.all([
      ...vreads,
      ...[...groups.values()].map(async ({ sourceId, resourceType, ids }) => {
        try {
          const client = sourceOrThrow(deps, sourceId).client;
          if (ids.size === 1) {
            const only = ids.values().next().value!;
            found.set(resourceKey(sourceId, resourceType, only), await client.read(resourceType, only, deps.call));
            return;
          }
          const byId = await client.readMany(resourceType, [...ids], deps.call);
          for (const id of ids) {
            const key = resourceKey(sourceId, resourceType, id);
            found.set(key, byId.get(id) ?? notFound(sourceId, resourceType, id));
          }
        } catch (error) {
          for (const id of ids) found.set(resourceKey(sourceId, resourceType, id), error as Error);
        }
      }),
    ]);
    return keys.map((key) => found.get(key) ?? new Error('resource loader lost a key'));
  });
}

/** A resource a source does not have (also what a resource the viewer may not see looks like: src/fhir/restriction.ts). */
export function notFound(sourceId: string, resourceType: string, id: string): UpstreamError {
  return new UpstreamError(`${resourceType}/${id} was not found in source '${sourceId}'`, { code: 'NOT_FOUND', sourceId });
}
