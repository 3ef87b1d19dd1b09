import { personIdentifiers } from '../loaders/same-as-loader.ts';
import { accessTo } from './restriction.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { originOf } from '../sources/resource-origin.ts';
import { reportPartialFailure, type FhirContext, type ResultPath } from './fhir-context.ts';

/**
 * `Patient.sameAs`: this person's Patient records in the other sources, matched exactly on the identifier systems
 * the config names (nothing else: no names, no birth dates, no probabilistic matching). A source that fails is a
 * partial error; the others' records are still returned.
 */
export async function sameAs(ctx: FhirContext, at: ResultPath | undefined, patient: FhirResource): Promise<FhirResource[]> {
  const origin = originOf(patient);
  if (!origin || patient.id === undefined || ctx.patientIdentifierSystems.length === 0) return [];
  const restriction = await accessTo(ctx, 'Patient', 'r');
  const identifiers = personIdentifiers(patient, new Set(ctx.patientIdentifierSystems));
  if (identifiers.length === 0) return [];
  const loaded = await ctx.loaders.sameAs.load({ sourceId: origin.sourceId, id: patient.id, identifiers });
  const failures = loaded.failures;
  const matches = restriction.all ? loaded.matches : loaded.matches.filter((m) => restriction.visible(m, originOf(m)?.sourceId));
  for (const f of failures) reportPartialFailure(ctx, at, f.error, f.sourceId);
  ctx.trail.record('R', matches);
  for (const m of matches) {
    const sourceId = originOf(m)?.sourceId;
    if (sourceId !== undefined) ctx.loaders.prime(sourceId, [m]);
  }
  return matches;
}
