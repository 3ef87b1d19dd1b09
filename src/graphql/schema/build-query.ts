import type { Builder } from '../builder.ts';
import type { FhirModel } from '../../fhir/model/model.types.ts';
import { recordSliceSource } from '../directives/slice-sources.ts';
import { fhirpathBudgetFor, filterByFhirpath } from '../../fhir/fhirpath/fhirpath.ts';
import { readById } from '../../fhir/read.ts';
import { searchPage, type ConnectionResult, type SearchArgs } from '../../fhir/search.ts';
import type { AnyRef, FhirTypeRefs } from './build-fhir-types.ts';
import { fhirpathArg } from './list-args.ts';
import { cursorArg, filterParamArg, pagingArgs, searchParamArgs, toSearchQuery } from './search-args.ts';

const SOURCE_ARG_DESCRIPTION =
  'Gateway extension: the id of the source to read from. Without it, every source serving the type is asked.';

/** Query root: `Patient(id:)`, `PatientList(...)` and `PatientConnection(...)` for every resource type. */
export function buildQueryType(builder: Builder, model: FhirModel, refs: FhirTypeRefs, connections: Map<string, AnyRef>): void {
  builder.queryType({
    fields: (t) => {
      const fields: Record<string, unknown> = {};
      const sourceArg = { sourceId: t.arg.string({ description: SOURCE_ARG_DESCRIPTION }) };
      for (const type of model.resourceTypes) {
        const params = model.searchParams[type] ?? [];
        const ref = refs.objects.get(type);
        fields[type] = t.field({
          type: ref,
          description: `Read one ${type} by its logical id`,
          args: { id: t.arg({ type: 'ID', required: true }), ...sourceArg },
          resolve: (_root, args, ctx, info) => readById(ctx, info.path, type, String(args.id), args.sourceId) as never,
        });
        const search = { ...searchParamArgs(t, params), ...filterParamArg(t), ...pagingArgs(t), ...fhirpathArg(t), ...sourceArg };
        fields[`${type}List`] = t.field({
          type: [ref],
          nullable: { list: true, items: true },
          description: `Search ${type} resources`,
          args: search as never,
          resolve: async (_root, args, ctx, info) => {
            const page = await searchPage(ctx, info.path, type, toSearchQuery(args as Record<string, unknown>, params), args as SearchArgs);
            const resources = (await withFhirpath(ctx, page, (args as { fhirpath?: string | null }).fhirpath)).resources;
            recordSliceSource(ctx, info, resources);
            return resources as never;
          },
        });
        fields[`${type}Connection`] = t.field({
          type: connections.get(type),
          description: `Search ${type} resources, with paging cursors`,
          args: { ...search, ...cursorArg(t) } as never,
          resolve: async (_root, args, ctx, info) =>
            withFhirpath(
              ctx,
              await searchPage(ctx, info.path, type, toSearchQuery(args as Record<string, unknown>, params), args as SearchArgs),
              (args as { fhirpath?: string | null }).fhirpath,
            ) as never,
        });
      }
      return fields as never;
    },
  });
}

/**
 * A root search's `fhirpath`: the sources page the search (`_count`/`_offset`/`_cursor`), so the filter applies to
 * the page they returned — a page may hold fewer than `_count` resources, and `count` stays the search's total (the
 * HL7 page allows this for Connections: "the server may choose to apply the fhirpath filter after the search paging").
 */
async function withFhirpath(ctx: object, page: ConnectionResult, fhirpath: string | null | undefined): Promise<ConnectionResult> {
  if (typeof fhirpath !== 'string') return page;
  return { ...page, resources: await filterByFhirpath(page.resources, fhirpath, { budget: fhirpathBudgetFor(ctx) }) };
}
