import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import { resourceKey } from '../loaders/create-loaders.ts';
import { personIdentifiers } from '../loaders/same-as-loader.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { isFhirId } from '../sources/reference.ts';
import { originOf } from '../sources/resource-origin.ts';
import type { FhirContext } from './fhir-context.ts';
import type { TokenViewer } from './viewer.ts';

/**
 * The patient compartment of a patient-context token, across sources: the Patient its `patient` claim names, plus —
 * where identity systems are configured — the same person's Patient records in the other sources (Patient.sameAs:
 * an exact identifier match on those systems). By source, because ids are only unique within one.
 */
export interface PatientCompartment {
  /** Patient ids by source id. */
  readonly patients: ReadonlyMap<string, ReadonlySet<string>>;
}

const resolved = new WeakMap<TokenViewer, PatientCompartment>();
const pending = new WeakMap<FhirContext, Promise<PatientCompartment>>();

/**
 * The compartment of the request's token, resolved once per token (the token verifier hands out one viewer object per
 * token for its lifetime): a resolution that every source answered is kept for the token's life; one that a source
 * could not answer is used for this request only and tried again with the next.
 *
 * The claim names a Patient as `sourceId/id` (`hospital/pat-0001`) or as a plain id (also `Patient/id`) that must
 * exist in exactly one source. A claim that names no Patient, or several, is FORBIDDEN (403), never a guess: the
 * token grants nothing that depends on its patient context.
 */
export function patientCompartmentOf(ctx: FhirContext): Promise<PatientCompartment> {
  const viewer = ctx.viewer;
  if (viewer.kind !== 'token') throw new Error('patientCompartmentOf needs a token viewer');
  const known = resolved.get(viewer);
  if (known !== undefined) return Promise.resolve(known);
  let promise = pending.get(ctx);
  if (promise === undefined) {
    promise = resolve(ctx, viewer).then(({ compartment, complete }) => {
      if (complete) resolved.set(viewer, compartment);
      return compartment;
    });
    pending.set(ctx, promise);
  }
  return promise;
}

async function resolve(ctx: FhirContext, viewer: TokenViewer): Promise<{ compartment: PatientCompartment; complete: boolean }> {
  const claim = viewer.patient;
  if (claim === undefined || claim === '') {
    throw forbidden('The access token has patient-context scopes (patient/...) but no patient claim, so they grant nothing');
  }
  const { sourceId, id } = parseClaim(ctx, claim);
  const candidates = ctx.sources.all().filter((s) => (sourceId === undefined || s.id === sourceId) && (!s.resourceTypes || s.resourceTypes.has('Patient')));
  const settled = await Promise.allSettled(candidates.map((s) => ctx.loaders.resource.load(resourceKey(s.id, 'Patient', id))));
  const found: Array<{ sourceId: string; patient: FhirResource }> = [];
  let failure: unknown;
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') found.push({ sourceId: candidates[i]!.id, patient: r.value });
    else if (!(r.reason instanceof GatewayError && r.reason.code === 'NOT_FOUND')) failure ??= r.reason;
  });
  // A source that could not answer might hold the same id: deciding without it would be a guess.
  if (failure !== undefined) throw failure;
  if (found.length === 0) {
    throw forbidden(`The access token's patient '${shown(claim)}' is not a Patient in ${sourceId === undefined ? 'any source' : `source '${sourceId}'`}, so its patient-context scopes grant nothing`);
  }
  if (found.length > 1) {
    throw forbidden(
      `The access token's patient '${shown(claim)}' is a Patient id in ${found.length} sources (${found.map((f) => f.sourceId).join(', ')}); ` +
        `the patient claim must name the source, e.g. '${found[0]!.sourceId}/${id}'`,
    );
  }
  const home = found[0]!;
  const patients = new Map<string, Set<string>>([[home.sourceId, new Set([id])]]);
  let complete = true;
  const identifiers = personIdentifiers(home.patient, new Set(ctx.patientIdentifierSystems));
  if (identifiers.length > 0) {
    const { matches, failures } = await ctx.loaders.sameAs.load({ sourceId: home.sourceId, id, identifiers });
    complete = failures.length === 0;
    for (const match of matches) {
      const matchSource = originOf(match)?.sourceId;
      if (matchSource === undefined || match.id === undefined) continue;
      let ids = patients.get(matchSource);
      if (ids === undefined) patients.set(matchSource, (ids = new Set()));
      ids.add(match.id);
    }
  }
  return { compartment: Object.freeze({ patients }), complete };
}

function parseClaim(ctx: FhirContext, claim: string): { sourceId: string | undefined; id: string } {
  const slash = claim.indexOf('/');
  const prefix = slash === -1 ? undefined : claim.slice(0, slash);
  const id = slash === -1 ? claim : claim.slice(slash + 1);
  const sourceId = prefix === undefined || prefix === 'Patient' ? undefined : prefix;
  if (!isFhirId(id) || (sourceId !== undefined && ctx.sources.get(sourceId) === undefined)) {
    throw forbidden(`The access token's patient claim '${shown(claim)}' is not a Patient id, 'Patient/{id}' or '{sourceId}/{id}' of a configured source`);
  }
  return { sourceId, id };
}

function forbidden(message: string): GatewayError {
  return new GatewayError('FORBIDDEN', message, { details: { resourceType: 'Patient', interaction: 'patient context' } });
}
