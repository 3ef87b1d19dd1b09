import {
  getNamedType,
  isAbstractType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { isFhirDirective } from './field-groups.ts';

/**
 * Response key of the `__typename` added where reshaping needs an object's runtime type: fragments with type
 * conditions on an abstract type (`resource { ... on Patient { ... } }`) cannot be matched to the data otherwise.
 * Reshaping rebuilds those objects from the client's own selections, so the key never reaches the client.
 */
export const RUNTIME_TYPE_KEY = '__fhirDirectivesRuntimeType';

const RUNTIME_TYPE_FIELD: FieldNode = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: RUNTIME_TYPE_KEY },
  name: { kind: Kind.NAME, value: '__typename' },
};

const cache = new WeakMap<DocumentNode, DocumentNode>();

/**
 * The document to execute: the client's, with `__typename` (as RUNTIME_TYPE_KEY) in the selection set of every field
 * of abstract type that reshaping will rebuild — one that carries a FHIR directive or has one below (`hasDirectives`).
 * Memoised per parsed document (the directives' placement does not depend on variables). The client's document is
 * not changed.
 */
export function withRuntimeTypes(schema: GraphQLSchema, document: DocumentNode, hasDirectives: (set: SelectionSetNode) => boolean): DocumentNode {
  let out = cache.get(document);
  if (!out) {
    const typeInfo = new TypeInfo(schema);
    out = visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const type = typeInfo.getType();
          if (!node.selectionSet || !type || !isAbstractType(getNamedType(type))) return undefined;
          if (!node.directives?.some((d) => isFhirDirective(d.name.value)) && !hasDirectives(node.selectionSet)) return undefined;
          return { ...node, selectionSet: { ...node.selectionSet, selections: [...node.selectionSet.selections, RUNTIME_TYPE_FIELD] } };
        },
      }),
    );
    cache.set(document, out);
  }
  return out;
}
