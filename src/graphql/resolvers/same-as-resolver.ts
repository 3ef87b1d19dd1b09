import type { GraphQLResolveInfo } from 'graphql';
import { personIdentifiers } from '../../loaders/same-as-loader.ts';
import type { FhirResource } from '../../sources/fhir-types.ts';
import { originOf } from '../../sources/resource-origin.ts';
import type { GatewayContext } from '../context.ts';
import { reportPartialFailure } from './partial-errors.ts';

/**
 * `Patient.sameAs`: this person's Patient records in the other sources, matched exactly on the identifier systems
 * the config names (nothing else: no names, no birth dates, no probabilistic matching). A source that fails is a
 * partial error; the others' records are still returned.
 */
export async function resolveSameAs(patient: FhirResource, ctx: GatewayContext, info: GraphQLResolveInfo): Promise<FhirResource[]> {
  const origin = originOf(patient);
  if (!origin || patient.id === undefined || ctx.patientIdentifierSystems.length === 0) return [];
  const identifiers = personIdentifiers(patient, new Set(ctx.patientIdentifierSystems));
  if (identifiers.length === 0) return [];
  const { matches, failures } = await ctx.loaders.sameAs.load({ sourceId: origin.sourceId, id: patient.id, identifiers });
  for (const f of failures) reportPartialFailure(ctx, info, f.error, f.sourceId);
  for (const m of matches) {
    const sourceId = originOf(m)?.sourceId;
    if (sourceId !== undefined) ctx.loaders.prime(sourceId, [m]);
  }
  return matches;
}
