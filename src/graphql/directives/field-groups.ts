import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  isAbstractType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
  type VariableValues,
} from 'graphql';
import { firstDirective, flattenDirective, singletonDirective, sliceDirective } from './fhir-directives.ts';
import { directiveError } from './directive-errors.ts';

/** The FHIR directives of one response key (the union over the field nodes merged into it). */
export interface FieldDirectives {
  readonly flatten: boolean;
  readonly first: boolean;
  readonly singleton: boolean;
  /** `@slice(path:)`: the expression, or '$index'. */
  readonly slice?: string;
}

/** One response key of a selection set for a runtime type, as graphql-js executes it (fields merged by key). */
export interface FieldGroup {
  readonly key: string;
  readonly name: string;
  readonly nodes: readonly FieldNode[];
  readonly directives: FieldDirectives;
  /** The merged sub-selections (empty for a leaf). */
  readonly subSets: readonly SelectionSetNode[];
  /** True when FHIR directives appear anywhere in the sub-selections (fragments included). */
  readonly deep: boolean;
}

/**
 * Reads an operation the way graphql-js executes it — @skip/@include, fragments and their type conditions, fields
 * merged by response key — with the FHIR directives of each key. Groups are memoised per (selection sets, type), so
 * a list of 100 items collects its item fields once.
 */
export class FieldGroups {
  readonly errors: GraphQLError[] = [];
  private readonly memo = new WeakMap<readonly SelectionSetNode[], Map<string, readonly FieldGroup[]>>();
  private readonly deepMemo = new WeakMap<SelectionSetNode, boolean>();

  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: VariableValues | undefined;

  constructor(schema: GraphQLSchema, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: VariableValues | undefined) {
    this.schema = schema;
    this.fragments = fragments;
    this.variables = variables;
  }

  /** The fields of `sets` for an object of `type` (undefined: an abstract type's object of unknown runtime type). */
  groups(sets: readonly SelectionSetNode[], type: GraphQLObjectType | undefined): readonly FieldGroup[] {
    let byType = this.memo.get(sets);
    if (!byType) this.memo.set(sets, (byType = new Map()));
    const typeKey = type?.name ?? '';
    let found = byType.get(typeKey);
    if (!found) {
      const nodes = new Map<string, FieldNode[]>();
      const visited = new Set<string>();
      for (const set of sets) this.collect(set, type, nodes, visited);
      found = [...nodes].map(([key, fieldNodes]) => this.group(key, fieldNodes));
      byType.set(typeKey, found);
    }
    return found;
  }

  /** Whether FHIR directives appear in the selection set or below it (through fragments, whatever their type). */
  hasDirectives(set: SelectionSetNode, visiting: Set<string> = new Set()): boolean {
    const known = this.deepMemo.get(set);
    if (known !== undefined) return known;
    let found = false;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        found = selection.directives?.some((d) => isFhirDirective(d.name.value)) === true || (selection.selectionSet ? this.hasDirectives(selection.selectionSet, visiting) : false);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        found = this.hasDirectives(selection.selectionSet, visiting);
      } else {
        const fragment = this.fragments.get(selection.name.value);
        if (fragment && !visiting.has(fragment.name.value)) {
          visiting.add(fragment.name.value);
          found = this.hasDirectives(fragment.selectionSet, visiting);
        }
      }
      if (found) break;
    }
    this.deepMemo.set(set, found);
    return found;
  }

  included(node: SelectionNode): boolean {
    if (!node.directives?.length) return true;
    const skip = getDirectiveValues(GraphQLSkipDirective, node, this.variables);
    if (skip?.['if'] === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, this.variables);
    return include?.['if'] !== false;
  }

  /** The directives written on one field node (variables resolved). */
  directivesOf(node: FieldNode): FieldDirectives {
    const has = (name: string) => node.directives?.some((d) => d.name.value === name) === true;
    const slice = has('slice') ? getDirectiveValues(sliceDirective, node, this.variables)?.['path'] : undefined;
    return {
      flatten: has(flattenDirective.name),
      first: has(firstDirective.name),
      singleton: has(singletonDirective.name),
      ...(typeof slice === 'string' ? { slice: slice.trim() } : {}),
    };
  }

  private collect(set: SelectionSetNode, type: GraphQLObjectType | undefined, out: Map<string, FieldNode[]>, visited: Set<string>): void {
    for (const selection of set.selections) {
      if (!this.included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const list = out.get(key);
        if (list) list.push(selection);
        else out.set(key, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (this.applies(selection.typeCondition?.name.value, type)) this.collect(selection.selectionSet, type, out, visited);
      } else {
        const name = selection.name.value;
        if (visited.has(name)) continue;
        visited.add(name);
        const fragment = this.fragments.get(name);
        if (fragment && this.applies(fragment.typeCondition.name.value, type)) this.collect(fragment.selectionSet, type, out, visited);
      }
    }
  }

  private applies(condition: string | undefined, type: GraphQLObjectType | undefined): boolean {
    if (condition === undefined || condition === type?.name) return true;
    if (!type) return false;
    const conditionType = this.schema.getType(condition);
    return conditionType !== undefined && isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }

  private group(key: string, nodes: readonly FieldNode[]): FieldGroup {
    let flatten = false;
    let first = false;
    let singleton = false;
    let slice: string | undefined;
    for (const node of nodes) {
      const d = this.directivesOf(node);
      flatten ||= d.flatten;
      first ||= d.first;
      singleton ||= d.singleton;
      if (d.slice !== undefined) {
        if (slice !== undefined && slice !== d.slice) {
          this.errors.push(directiveError('BAD_USER_INPUT', `'${key}' is selected with two different @slice paths`, nodes));
        }
        slice ??= d.slice;
      }
    }
    const subSets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
    return {
      key,
      name: nodes[0]!.name.value,
      nodes,
      directives: { flatten, first, singleton, ...(slice !== undefined ? { slice } : {}) },
      subSets,
      deep: subSets.some((s) => this.hasDirectives(s)),
    };
  }
}

export function isFhirDirective(name: string): boolean {
  return name === 'flatten' || name === 'first' || name === 'singleton' || name === 'slice';
}
