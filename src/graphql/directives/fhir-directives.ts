import { DirectiveLocation, GraphQLDirective, GraphQLNonNull, GraphQLString } from 'graphql';

/*
 * The data flattening directives of the HL7 FHIR GraphQL page ("Data Flattening Directives"). They are declared in
 * the schema so that documents validate (and codegen accepts them); use-fhir-directives.ts applies them by reshaping
 * the execution result (reshape-result.ts).
 */

export const flattenDirective = new GraphQLDirective({
  name: 'flatten',
  description:
    'HL7 FHIR GraphQL: this field is not in the output; its children are added to the parent in its place (from a repeating element, as lists)',
  locations: [DirectiveLocation.FIELD],
});

export const firstDirective = new GraphQLDirective({
  name: 'first',
  description: 'HL7 FHIR GraphQL: only the first element of a list, as a single value',
  locations: [DirectiveLocation.FIELD],
});

export const singletonDirective = new GraphQLDirective({
  name: 'singleton',
  description: 'HL7 FHIR GraphQL: a single value, not a list, even under @flatten; an error if there is more than one',
  locations: [DirectiveLocation.FIELD],
});

export const sliceDirective = new GraphQLDirective({
  name: 'slice',
  description: 'HL7 FHIR GraphQL: each item is output under the field name plus "." and the value of `path` on the item',
  locations: [DirectiveLocation.FIELD],
  args: {
    path: {
      type: new GraphQLNonNull(GraphQLString),
      description: 'FHIRPath expression evaluated on each item, or "$index" for its position in the list',
    },
  },
});

export const fhirDirectives: readonly GraphQLDirective[] = [flattenDirective, firstDirective, singletonDirective, sliceDirective];

export const FHIR_DIRECTIVE_NAMES: ReadonlySet<string> = new Set(fhirDirectives.map((d) => d.name));
