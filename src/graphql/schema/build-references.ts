import type { Builder } from '../builder.ts';
import { resolveReference, type ReferenceArgs } from '../resolvers/reference-resolver.ts';
import type { FhirTypeRefs } from './build-fhir-types.ts';

/** `Reference.resource(optional:, type:)`: the referenced resource, as the HL7 FHIR GraphQL page defines it. */
export function buildReferenceResource(builder: Builder, refs: FhirTypeRefs): void {
  builder.objectFields(refs.objects.get('Reference'), (t) => ({
    resource: t.field({
      type: refs.resource,
      description: 'The referenced resource. Relative references resolve in the source of the referencing resource.',
      args: {
        optional: t.arg.boolean({ description: 'If true, a reference that cannot be resolved gives null rather than an error' }),
        type: t.arg.string({ description: 'Resolve only if the reference points at this resource type; null otherwise' }),
      },
      resolve: (reference: Record<string, unknown>, args: ReferenceArgs, ctx) => resolveReference(reference, args, ctx) as never,
    }),
  }));
}
