import { lexicographicSortSchema, printSchema, specifiedDirectives, type GraphQLSchema } from 'graphql';
import { createBuilder } from './builder.ts';
import { fhirDirectives } from './directives/fhir-directives.ts';
import type { FhirModel } from '../fhir/model/model.types.ts';
import { buildConnectionTypes } from './schema/build-connections.ts';
import { buildFhirTypes, resourceTypeResolver } from './schema/build-fhir-types.ts';
import { releaseBuild } from './release-build.ts';
import { buildMutationType } from './schema/build-mutations.ts';
import { buildQueryType } from './schema/build-query.ts';
import { buildReferenceResource } from './schema/build-references.ts';
import { buildReverseFields } from './schema/build-reverse-fields.ts';
import { buildSameAs } from './schema/build-same-as.ts';
import { buildSubscriptionType } from './schema/build-subscriptions.ts';

/** The whole FHIR R4 GraphQL schema, generated from the model. */
export function buildSchema(model: FhirModel): GraphQLSchema {
  const builder = createBuilder();
  const refs = buildFhirTypes(builder, model);
  buildReferenceResource(builder, refs, model.resourceTypes);
  const connections = buildConnectionTypes(builder, model.resourceTypes, refs);
  buildReverseFields(builder, model, refs, connections);
  buildSameAs(builder, refs);
  buildQueryType(builder, model, refs, connections);
  buildMutationType(builder, model, refs);
  buildSubscriptionType(builder, model, refs);
  const schema = builder.toSchema({ sortSchema: false, directives: [...specifiedDirectives, ...fhirDirectives] });
  releaseBuild(builder, schema, { Resource: resourceTypeResolver(new Set(model.resourceTypes)) });
  return schema;
}

/** The SDL committed as schema/schema.graphql. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
