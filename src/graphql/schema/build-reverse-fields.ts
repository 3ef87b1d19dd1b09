import type { GraphQLResolveInfo } from 'graphql';
import type { Builder } from '../builder.ts';
import type { GatewayContext } from '../context.ts';
import type { FhirModel, SearchParamDef } from '../../fhir/model/model.types.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import { recordSliceSource } from '../directives/slice-sources.ts';
import { reversePage, type ReverseArgs } from '../../fhir/reverse.ts';
import type { AnyRef, FhirTypeRefs } from './build-fhir-types.ts';
import { fhirpathArg } from './list-args.ts';
import { argName, reverseEnumName } from './naming.ts';
import { cursorArg, filterParamArg, pagingArgs, searchParamArgs, shared, toSearchQuery } from './search-args.ts';

/**
 * For each target type: the referencing types and their reference parameters that can point at it.
 * A Reference(Any) parameter (Provenance.target, Task.focus, AuditEvent.entity, ...) joins the `_reference` enum
 * of a (target, referencing type) pair that exists through a parameter naming the target explicitly, so that
 * `Patient { ProvenanceList(_reference: target) }` works; it does not create pairs of its own, which would put
 * ~4,800 more fields with ~100,000 arguments on the schema (37 MB of SDL, seconds of start-up).
 */
export function reverseIndex(model: FhirModel): Map<string, Map<string, SearchParamDef[]>> {
  const index = new Map<string, Map<string, SearchParamDef[]>>();
  const anyParams: Array<[string, SearchParamDef]> = [];
  for (const referencing of model.resourceTypes) {
    for (const p of model.searchParams[referencing] ?? []) {
      if (p.type !== 'reference') continue;
      if (p.anyTarget) {
        anyParams.push([referencing, p]);
        continue;
      }
      for (const target of p.targets ?? []) {
        let byType = index.get(target);
        if (!byType) index.set(target, (byType = new Map()));
        const list = byType.get(referencing);
        if (list) list.push(p);
        else byType.set(referencing, [p]);
      }
    }
  }
  for (const [referencing, p] of anyParams) {
    for (const byType of index.values()) byType.get(referencing)?.push(p);
  }
  return index;
}

/**
 * Reverse references on every resource type, as on the HL7 FHIR GraphQL page:
 * `Patient { ObservationList(_reference: subject, code: "...") ObservationConnection(_reference: subject) }`.
 * `_reference` is an enum of the referencing type's parameters that can point at this type.
 */
export function buildReverseFields(builder: Builder, model: FhirModel, refs: FhirTypeRefs, connections: Map<string, AnyRef>): void {
  for (const [target, byType] of reverseIndex(model)) {
    builder.objectFields(refs.objects.get(target), (t) => {
      const fields: Record<string, unknown> = {};
      for (const [referencing, refParams] of byType) {
        const params = model.searchParams[referencing] ?? [];
        const codes = new Map(refParams.map((p) => [argName(p.code), p.code]));
        const referenceEnum = builder.enumType(reverseEnumName(target, referencing), {
          description: `Search parameters of ${referencing} that can refer to a ${target}`,
          values: Object.fromEntries([...codes.keys()].map((name) => [name, { value: name }])),
        });
        const search = shared(t, `reverse:${referencing}`, () => ({
          ...searchParamArgs(t, params),
          ...filterParamArg(t),
          ...pagingArgs(t),
          ...fhirpathArg(t),
        }));
        const args = {
          _reference: t.arg({ type: referenceEnum, required: true, description: `Which ${referencing} parameter refers to this ${target}` }),
          ...search,
        };
        const load = (parent: FhirResource, rawArgs: Record<string, unknown>, ctx: GatewayContext, info: GraphQLResolveInfo) => {
          const filters = toSearchQuery(rawArgs, params);
          const param = codes.get(String(rawArgs['_reference']))!;
          return reversePage(ctx, info.path, parent, { resourceType: referencing, param, filters }, rawArgs as ReverseArgs);
        };
        fields[`${referencing}List`] = t.field({
          type: [refs.objects.get(referencing)],
          nullable: { list: true, items: true },
          description: `${referencing} resources that refer to this ${target}`,
          args: args as never,
          resolve: async (parent: FhirResource, rawArgs: Record<string, unknown>, ctx: GatewayContext, info: GraphQLResolveInfo) => {
            const resources = (await load(parent, rawArgs, ctx, info)).resources;
            recordSliceSource(ctx, info, resources);
            return resources as never;
          },
        });
        fields[`${referencing}Connection`] = t.field({
          type: connections.get(referencing),
          description: `${referencing} resources that refer to this ${target}, with paging cursors`,
          args: { ...args, ...cursorArg(t) } as never,
          resolve: (parent: FhirResource, rawArgs: Record<string, unknown>, ctx: GatewayContext, info: GraphQLResolveInfo) => load(parent, rawArgs, ctx, info) as never,
        });
      }
      return fields as never;
    });
  }
}
