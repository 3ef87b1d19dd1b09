import { getNamedType, getNullableType, isInterfaceType, isListType, isObjectType, Kind } from 'graphql';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/**
 * Assumed number of items of a repeating element that is not a search (`generalPractitioner: [Reference]`,
 * `name: [HumanName]`, `contained: [Resource]`) when the query gives no `_count` on it. Real patients have one to a
 * few of most repeating elements; 3 keeps e.g. `generalPractitioner { resource }` visible in the estimate without
 * rejecting ordinary queries. A `_count` on the element replaces the assumption.
 */
export const DEFAULT_ELEMENT_FANOUT = 3;

/** The page-size settings the gateway applies to searches (a subset of the configured limits). */
export interface CountLimits {
  /** n of a search without `_count`. */
  readonly defaultCount: number;
  /** n is never larger than this (the gateway caps `_count` upstream). */
  readonly maxCount: number;
}

/**
 * Variable values of the request. `undefined` = unknown (the variables were not available to the caller): a search
 * whose `_count` is a variable then counts as `maxCount`, the worst case.
 */
export type VariableValues = Readonly<Record<string, unknown>> | undefined;

/**
 * Estimated number of FHIR resources the operation can make the gateway load upstream, by the HL7 FHIR GraphQL
 * naming conventions (nothing here names a resource type):
 * - Query root `X(id:)` returning a resource = 1; `XList(...)` / `XConnection(...)` = n;
 * - a reverse reference `YList(_reference:, ...)` / `YConnection(_reference:, ...)` = n per parent;
 * - `Reference.resource` = 1 per parent;
 * - n = `_count` (literal or variable) or `defaultCount`, capped at `maxCount`; a field's cost is multiplied by the
 *   n of every enclosing search and by the fan-out of every enclosing repeating element (its `_count`, else
 *   {@link DEFAULT_ELEMENT_FANOUT}).
 * Fragments are expanded; `@skip` / `@include` are ignored (counted), which errs on the high side.
 *
 * With several operations in the document: the cost of `operationName`, or else the largest one (only one runs).
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: VariableValues,
  limits: CountLimits,
  operationName?: string,
): number {
  const fragments = fragmentsOf(document);
  let max = 0;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName !== undefined && def.name?.value !== operationName) continue;
    max = Math.max(max, estimateOperationCost(schema, def, fragments, variables, limits));
  }
  return max;
}

/** The named fragments of a document, by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  return fragments;
}

/** {@link estimateCost} of one operation. */
export function estimateOperationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: VariableValues,
  limits: CountLimits,
): number {
  const walk = new CostWalk(schema, fragments, variablesOf(operation, variables), limits);
  return walk.selectionSet(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
}

/** Variable values as the operation sees them: the given ones over the operation's defaults. `undefined` = unknown. */
function variablesOf(operation: OperationDefinitionNode, given: VariableValues): Map<string, unknown> | undefined {
  if (given === undefined) return undefined;
  const values = new Map<string, unknown>();
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (Object.hasOwn(given, name)) values.set(name, given[name]);
    else if (def.defaultValue?.kind === Kind.INT) values.set(name, Number(def.defaultValue.value));
  }
  return values;
}

/** Per parent: what the field itself loads, and by how much it multiplies the cost of its sub-selection. */
interface FieldCost {
  readonly own: number;
  readonly factor: number;
}

const FREE: FieldCost = { own: 0, factor: 1 };

/** A `_count` that is absent (or null / not a number) or a variable whose value is unknown. */
const ABSENT = Symbol('absent');
const UNKNOWN = Symbol('unknown');

class CostWalk {
  readonly #schema: GraphQLSchema;
  readonly #fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly #variables: Map<string, unknown> | undefined;
  readonly #limits: CountLimits;
  /** Cost of one spread of a named fragment (it does not depend on where it is spread: cost is linear). */
  readonly #fragmentCost = new Map<string, number>();
  readonly #visiting = new Set<string>();

  constructor(schema: GraphQLSchema, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Map<string, unknown> | undefined, limits: CountLimits) {
    this.#schema = schema;
    this.#fragments = fragments;
    this.#variables = variables;
    this.#limits = limits;
  }

  /** Cost of a selection set executed once, on a value of `parentType`. */
  selectionSet(set: SelectionSetNode, parentType: GraphQLNamedType | undefined): number {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += this.#field(selection, parentType);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.#schema.getType(selection.typeCondition.name.value) : parentType;
        total += this.selectionSet(selection.selectionSet, type);
      } else {
        total += this.#spread(selection.name.value);
      }
    }
    return total;
  }

  #spread(name: string): number {
    const known = this.#fragmentCost.get(name);
    if (known !== undefined) return known;
    const fragment = this.#fragments.get(name);
    // Unknown fragments and cycles are reported by graphql's own validation rules.
    if (!fragment || this.#visiting.has(name)) return 0;
    this.#visiting.add(name);
    const cost = this.selectionSet(fragment.selectionSet, this.#schema.getType(fragment.typeCondition.name.value));
    this.#visiting.delete(name);
    this.#fragmentCost.set(name, cost);
    return cost;
  }

  #field(node: FieldNode, parentType: GraphQLNamedType | undefined): number {
    const name = node.name.value;
    // __typename / __schema / __type: introspection never goes upstream.
    if (name.startsWith('__') || !(isObjectType(parentType) || isInterfaceType(parentType))) return 0;
    const field = parentType.getFields()[name];
    if (!field) return 0; // reported by FieldsOnCorrectTypeRule
    const { own, factor } = this.#classify(parentType, field, node);
    if (!node.selectionSet || factor === 0) return own;
    return own + factor * this.selectionSet(node.selectionSet, getNamedType(field.type));
  }

  #classify(parentType: GraphQLNamedType, field: GraphQLField<unknown, unknown>, node: FieldNode): FieldCost {
    const type = getNamedType(field.type);
    const isList = isListType(getNullableType(field.type));
    const searchLike = (isList && isResourceType(type)) || (!isList && isConnectionType(type));
    if (parentType === this.#schema.getQueryType()) {
      if (!isList && isResourceType(type)) return { own: 1, factor: 1 }; // Patient(id:)
      if (searchLike) return this.#search(node); // PatientList / PatientConnection
    }
    if (searchLike && field.args.some((a) => a.name === '_reference')) return this.#search(node); // ObservationList(_reference:)
    if (parentType.name === 'Reference' && field.name === 'resource' && isResourceType(type)) return { own: 1, factor: 1 };
    // A connection's edges are the n items its field already counted.
    if (field.name === 'edges' && isConnectionType(parentType)) return FREE;
    if (isList && (isObjectType(type) || isInterfaceType(type))) {
      const count = this.#countArg(node);
      const fanout = typeof count === 'number' ? count : DEFAULT_ELEMENT_FANOUT;
      return { own: 0, factor: fanout };
    }
    return FREE;
  }

  /** A search (root or reverse): n resources, and n parents for its sub-selection. */
  #search(node: FieldNode): FieldCost {
    const count = this.#countArg(node);
    const { defaultCount, maxCount } = this.#limits;
    const n = count === UNKNOWN ? maxCount : Math.min(count === ABSENT ? defaultCount : count, maxCount);
    return { own: n, factor: n };
  }

  /** The `_count` argument of a field: a non-negative integer, ABSENT, or UNKNOWN (a variable, values unknown). */
  #countArg(node: FieldNode): number | typeof ABSENT | typeof UNKNOWN {
    const arg = node.arguments?.find((a) => a.name.value === '_count');
    if (!arg) return ABSENT;
    let value: unknown;
    if (arg.value.kind === Kind.INT) value = Number(arg.value.value);
    else if (arg.value.kind === Kind.VARIABLE) {
      if (this.#variables === undefined) return UNKNOWN;
      value = this.#variables.get(arg.value.name.value);
    }
    // null, absent or not an Int (graphql rejects it when coercing): the gateway's default applies.
    if (typeof value !== 'number' || !Number.isFinite(value)) return ABSENT;
    return Math.max(0, Math.trunc(value));
  }
}

/** A FHIR resource type: an object type implementing the `Resource` interface, or that interface itself. */
export function isResourceType(type: GraphQLNamedType | undefined): boolean {
  if (isInterfaceType(type)) return type.name === 'Resource';
  return isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Resource');
}

/** `XConnection { edges { resource: X } }`, as the HL7 FHIR GraphQL page defines it. */
export function isConnectionType(type: GraphQLNamedType | undefined): boolean {
  if (!isObjectType(type) || !type.name.endsWith('Connection')) return false;
  const edges = type.getFields()['edges'];
  if (!edges) return false;
  const edge = getNamedType(edges.type);
  const resource = isObjectType(edge) ? edge.getFields()['resource'] : undefined;
  return resource !== undefined && isResourceType(getNamedType(resource.type));
}
