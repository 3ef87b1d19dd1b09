import type { FhirResource } from '../../sources/fhir-types.ts';
import type { Builder } from '../builder.ts';
import { sameAs } from '../../fhir/same-as.ts';
import type { FhirTypeRefs } from './build-fhir-types.ts';

/** Gateway extension `Patient.sameAs`: the same person's Patient records in the other sources. */
export function buildSameAs(builder: Builder, refs: FhirTypeRefs): void {
  const patient = refs.objects.get('Patient');
  builder.objectFields(patient, (t) => ({
    sameAs: t.field({
      type: [patient],
      nullable: false,
      description:
        "Gateway extension: this person's Patient records in the other sources, matched exactly on the identifier " +
        'systems configured in identity.patientIdentifierSystems (e.g. a national id). Never guessed from names or dates.',
      resolve: (parent: FhirResource, _args, ctx, info) => sameAs(ctx, info.path, parent) as never,
    }),
  }));
}
