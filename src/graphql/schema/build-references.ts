import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { Builder } from '../builder.ts';
import { resolveReference, type ReferenceArgs } from '../../fhir/references.ts';
import type { FhirTypeRefs } from './build-fhir-types.ts';

/**
 * `Reference.resource(optional:, type:)`: the referenced resource, as the HL7 FHIR GraphQL page defines it. The page
 * writes the type as a name, `resource(type : Patient)`, and calls it `[Resource]`; GraphQL has no argument type that
 * takes both that and the quoted `type: "Patient"` clients already send, so `type` is a list of a scalar that accepts
 * a resource type as a name or as a string — `type: Patient`, `type: "Patient"`, `type: [Patient, Group]` — and
 * rejects an unknown type at validation.
 */
export function buildReferenceResource(builder: Builder, refs: FhirTypeRefs, resourceTypes: readonly string[]): void {
  const known = new Set(resourceTypes);
  const check = (name: unknown): string => {
    if (typeof name !== 'string' || !known.has(name)) throw new GraphQLError(`${JSON.stringify(name)} is not a FHIR R4 resource type`);
    return name;
  };
  const scalar = new GraphQLScalarType<string, string>({
    name: 'ResourceTypeName',
    description: 'A FHIR resource type, written as a name (Patient) as on the HL7 FHIR GraphQL page, or as a string ("Patient")',
    serialize: (value) => String(value),
    parseValue: check,
    parseLiteral: (ast) => (ast.kind === Kind.ENUM || ast.kind === Kind.STRING ? check(ast.value) : check(undefined)),
  });
  builder.addScalarType('ResourceTypeName' as never, scalar as never, {});
  builder.objectFields(refs.objects.get('Reference'), (t) => ({
    resource: t.field({
      type: refs.resource,
      description: 'The referenced resource. Relative references resolve in the source of the referencing resource.',
      args: {
        optional: t.arg.boolean({
          description: 'If true, a reference that cannot be resolved (no such resource, not resolvable, not permitted) gives null rather than an error',
        }),
        type: t.arg({
          type: ['ResourceTypeName' as never],
          required: { list: false, items: true },
          description: 'Resolve only references to this resource type (or these types); null for any other',
        } as never),
      },
      resolve: (reference: Record<string, unknown>, args, ctx) => resolveReference(ctx, reference, args as ReferenceArgs) as never,
    }),
  }));
}
