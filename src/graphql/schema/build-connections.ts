import type { Builder } from '../builder.ts';
import { inheritOrigin, originOf } from '../../sources/resource-origin.ts';
import type { ConnectionResult } from '../../fhir/search.ts';
import type { AnyRef, FhirTypeRefs } from './build-fhir-types.ts';
import { connectionTypeName, edgeTypeName } from './naming.ts';

/**
 * `PatientConnection { count offset pageSize first previous next last edges { mode score resource } }` per
 * resource type, as on the HL7 FHIR GraphQL page. first/previous/next/last are `_cursor` values.
 *
 * The page spells the page size two ways: `pagesize` in its schema, its queries and HAPI's engine, `pageSize` in its
 * sample answer and in Medplum. Both are served, so that queries written for either run. `pagesize` is the deprecated
 * one: `pageSize` is what this gateway has always served (so its existing clients see no deprecation), Medplum serves
 * it, and it is GraphQL's (and FHIR's own element) camelCase; a deprecation changes nothing for a client using
 * `pagesize` but a hint in its tooling.
 */
export function buildConnectionTypes(builder: Builder, resourceTypes: readonly string[], refs: FhirTypeRefs): Map<string, AnyRef> {
  const connections = new Map<string, AnyRef>();
  for (const type of resourceTypes) {
    const edge = builder.objectRef<{ resource: Record<string, unknown> }>(edgeTypeName(type)).implement({
      description: `One ${type} of a search result`,
      fields: (t) => ({
        mode: t.field({ type: 'String', resolve: () => 'match' }),
        score: t.field({ type: 'Float', resolve: () => null }),
        resource: t.field({ type: refs.objects.get(type), resolve: (e) => inheritOrigin(e.resource, originOf(e.resource)) as never }),
      }),
    });
    const connection = builder.objectRef<ConnectionResult>(connectionTypeName(type)).implement({
      description: `A page of ${type} search results; pass first/previous/next/last back as _cursor to page`,
      fields: (t) => ({
        count: t.field({ type: 'Int', description: 'Total number of matches, when the source reports it', resolve: (c) => c.count }),
        offset: t.field({ type: 'Int', resolve: (c) => c.offset }),
        pageSize: t.field({
          type: 'Int',
          description: 'Results per page: the _count used (the default without one, capped at the maximum)',
          resolve: (c) => c.pageSize,
        }),
        pagesize: t.field({
          type: 'Int',
          deprecationReason: "The HL7 schema's and HAPI's spelling of pageSize, served for clients written for them",
          resolve: (c) => c.pageSize,
        }),
        first: t.field({ type: 'String', resolve: (c) => c.first }),
        previous: t.field({ type: 'String', resolve: (c) => c.previous }),
        next: t.field({ type: 'String', resolve: (c) => c.next }),
        last: t.field({ type: 'String', resolve: (c) => c.last }),
        edges: t.field({
          type: [edge],
          nullable: { list: true, items: true },
          resolve: (c) => c.resources.map((resource) => ({ resource })),
        }),
      }),
    });
    connections.set(type, connection);
  }
  return connections;
}
