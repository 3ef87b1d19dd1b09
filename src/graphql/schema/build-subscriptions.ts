import type { ChangeEvent } from '../../fhir/change-event.ts';
import type { FhirModel } from '../../fhir/model/model.types.ts';
import { watchChanges } from '../../fhir/watch-changes.ts';
import type { Builder } from '../builder.ts';
import type { GatewayContext } from '../context.ts';
import type { FhirTypeRefs } from './build-fhir-types.ts';
import { searchParamArgs, shared, toSearchQuery } from './search-args.ts';

/**
 * The subscription root. Named `SubscriptionRoot` and declared in the schema definition, because FHIR has a resource
 * type called `Subscription` (`SubscriptionList`, `... on Subscription` keep working as the HL7 page says), which
 * GraphQL would otherwise take for the subscription root by its name.
 *
 * One field per resource type, `{Type}Changed(<the search arguments of {Type}List>, sourceId, _since)`, each event a
 * `{Type}Change`: its log number (pass it back as `_since` to resume), the action, the source, the id, and the
 * resource after the change resolved with the client's own selection set (references and reverse references too).
 */
export const SUBSCRIPTION_ROOT = 'SubscriptionRoot';

export function buildSubscriptionType(builder: Builder, model: FhirModel, refs: FhirTypeRefs): void {
  const changeTypes = new Map<string, ReturnType<typeof changeType>>();
  for (const type of model.resourceTypes) changeTypes.set(type, changeType(builder, refs, type));
  builder.subscriptionType({
    name: SUBSCRIPTION_ROOT,
    description: 'Live changes of FHIR resources, numbered by the gateway\'s durable event log',
    fields: (t) => {
      const fields: Record<string, unknown> = {};
      const control = shared(t as never, 'subscription-control', () => ({
        sourceId: t.arg.string({ description: 'Only changes in this source' }),
        _since: t.arg.string({ description: 'Resume after this eventNumber: every matching event after it is delivered, in order, then live ones' }),
      }));
      for (const type of model.resourceTypes) {
        const params = model.searchParams[type] ?? [];
        fields[`${type}Changed`] = t.field({
          type: changeTypes.get(type)!,
          nullable: false,
          description: `Changes of ${type} resources that match the search arguments (FHIR search semantics, evaluated on the changed resource)`,
          args: { ...searchParamArgs(t as never, params), ...control } as never,
          subscribe: async (_root: unknown, args: Record<string, unknown>, ctx: GatewayContext) => {
            const a = args as Record<string, unknown> & { sourceId?: string | null; _since?: string | null };
            return watchChanges(ctx, { resourceType: type, filters: toSearchQuery(a, params), sourceId: a.sourceId ?? null, since: a._since ?? null }) as never;
          },
          resolve: (event: unknown) => event as never,
        } as never);
      }
      return fields as never;
    },
  });
}

function changeType(builder: Builder, refs: FhirTypeRefs, type: string) {
  return builder.objectRef<ChangeEvent>(`${type}Change`).implement({
    description: `A change of a ${type}`,
    fields: (t) => ({
      eventNumber: t.exposeString('eventNumber', { nullable: false, description: 'The event\'s number in the gateway\'s log: strictly increasing, a decimal string; pass it as _since to resume after it' }),
      action: t.exposeString('action', { nullable: false, description: 'create, update or delete' }),
      sourceId: t.exposeString('sourceId', { nullable: false, description: 'The source whose resource changed' }),
      id: t.exposeID('id', { nullable: false, description: 'The changed resource\'s id in that source' }),
      resource: t.field({
        type: refs.objects.get(type)! as never,
        description: `The ${type} after the change (null after a delete), resolved like a query`,
        resolve: (event) => event.resource as never,
      }),
    }),
  });
}

