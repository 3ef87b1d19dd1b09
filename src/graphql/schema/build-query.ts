import type { Builder } from '../builder.ts';
import type { FhirModel } from '../fhir-model/model.types.ts';
import { readById, searchPage, type SearchArgs } from '../resolvers/root-resolvers.ts';
import type { AnyRef, FhirTypeRefs } from './build-fhir-types.ts';
import { pagingArgs, searchParamArgs, toSearchQuery } from './search-args.ts';

const SOURCE_ARG_DESCRIPTION =
  'Gateway extension: the id of the source to read from. Without it, every source serving the type is asked.';

/** Query root: `Patient(id:)`, `PatientList(...)` and `PatientConnection(...)` for every resource type. */
export function buildQueryType(builder: Builder, model: FhirModel, refs: FhirTypeRefs, connections: Map<string, AnyRef>): void {
  builder.queryType({
    fields: (t) => {
      const fields: Record<string, unknown> = {};
      for (const type of model.resourceTypes) {
        const params = model.searchParams[type] ?? [];
        const ref = refs.objects.get(type);
        fields[type] = t.field({
          type: ref,
          description: `Read one ${type} by its logical id`,
          args: {
            id: t.arg({ type: 'ID', required: true }),
            sourceId: t.arg.string({ description: SOURCE_ARG_DESCRIPTION }),
          },
          resolve: (_root, args, ctx, info) => readById(ctx, info, type, String(args.id), args.sourceId) as never,
        });
        fields[`${type}List`] = t.field({
          type: [ref],
          nullable: { list: true, items: true },
          description: `Search ${type} resources`,
          args: { ...searchParamArgs(t, params), ...pagingArgs(t), sourceId: t.arg.string({ description: SOURCE_ARG_DESCRIPTION }) } as never,
          resolve: async (_root, args, ctx, info) =>
            (await searchPage(ctx, info, type, toSearchQuery(args as Record<string, unknown>, params), args as SearchArgs)).resources as never,
        });
        fields[`${type}Connection`] = t.field({
          type: connections.get(type),
          description: `Search ${type} resources, with paging cursors`,
          args: {
            ...searchParamArgs(t, params),
            ...pagingArgs(t),
            _cursor: t.arg.string({ description: 'A first/previous/next/last value of an earlier page' }),
            sourceId: t.arg.string({ description: SOURCE_ARG_DESCRIPTION }),
          } as never,
          resolve: (_root, args, ctx, info) =>
            searchPage(ctx, info, type, toSearchQuery(args as Record<string, unknown>, params), args as SearchArgs) as never,
        });
      }
      return fields as never;
    },
  });
}
