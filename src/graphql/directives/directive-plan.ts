import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  visit,
  BREAK,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { checkFhirpath, FhirpathError } from '../../fhir/fhirpath/fhirpath.ts';
import { directiveError } from './directive-errors.ts';
import { FieldGroups, isFhirDirective } from './field-groups.ts';

/** What reshaping a result needs to know about its operation, checked before execution. */
export interface DirectivePlan {
  readonly operation: OperationDefinitionNode;
  readonly rootType: GraphQLObjectType;
  readonly groups: FieldGroups;
  /** `@slice` with a FHIRPath expression: resolvers must record the FHIR items of those fields. */
  readonly slicesByFhirpath: boolean;
}

const usage = new WeakMap<DocumentNode, 'none' | 'fhir' | 'incremental'>();

/** Whether the document uses the FHIR directives at all (memoised per parsed document; most do not). */
export function fhirDirectiveUsage(document: DocumentNode): 'none' | 'fhir' | 'incremental' {
  let found = usage.get(document);
  if (found === undefined) {
    found = 'none';
    visit(document, {
      Directive(node) {
        if (node.name.value === 'defer' || node.name.value === 'stream') {
          found = 'incremental';
          return BREAK;
        }
        if (isFhirDirective(node.name.value)) found = 'fhir';
        return undefined;
      },
    });
    usage.set(document, found);
  }
  return found;
}

/**
 * The plan for one execution, or errors of directive use that need no data (HTTP 400, nothing executed): @flatten on
 * a leaf, @slice with @first, an empty or unparsable @slice path. Undefined when there is nothing to do: no FHIR
 * directives, incremental delivery (@defer/@stream: left as it is), a subscription, or variables that execution will
 * reject anyway.
 */
export async function planDirectives(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): Promise<{ plan: DirectivePlan } | { errors: GraphQLError[] } | undefined> {
  if (fhirDirectiveUsage(document) !== 'fhir') return undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation === 'subscription') return undefined;
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const groups = new FieldGroups(schema, fragments, coerced.variableValues);

  const errors: GraphQLError[] = [];
  const expressions = new Map<string, FieldNode>();
  for (const node of reachableFields(operation.selectionSet, fragments)) {
    if (!node.directives?.some((d) => isFhirDirective(d.name.value))) continue;
    let d;
    try {
      d = groups.directivesOf(node);
    } catch (error) {
      errors.push(error instanceof GraphQLError ? error : directiveError('BAD_USER_INPUT', String(error), node));
      continue;
    }
    const name = node.alias?.value ?? node.name.value;
    if (d.flatten && !node.selectionSet) errors.push(directiveError('BAD_USER_INPUT', `@flatten needs a field with sub-fields; '${name}' has none`, node));
    if (d.slice !== undefined && d.first) errors.push(directiveError('BAD_USER_INPUT', `@slice and @first cannot be combined (on '${name}')`, node));
    if (d.slice === '') errors.push(directiveError('BAD_USER_INPUT', `@slice on '${name}' needs a path`, node));
    else if (d.slice !== undefined && d.slice !== '$index' && !expressions.has(d.slice)) expressions.set(d.slice, node);
  }
  if (expressions.size > 0 && errors.length === 0) {
    // compiled in the FHIRPath worker, all in one message; only expected failures become request errors
    const checked = await Promise.allSettled([...expressions.keys()].map((expression) => checkFhirpath(expression)));
    [...expressions.values()].forEach((node, i) => {
      const outcome = checked[i]!;
      if (outcome.status === 'fulfilled') return;
      if (!(outcome.reason instanceof FhirpathError)) throw outcome.reason;
      errors.push(directiveError(outcome.reason.code, `@slice(path:): ${outcome.reason.message}`, node));
    });
  }
  if (errors.length > 0) return { errors };
  return { plan: { operation, rootType, groups, slicesByFhirpath: expressions.size > 0 } };
}

/** Every field node the operation can execute, fragments expanded once each. */
function reachableFields(root: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FieldNode[] {
  const out: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        out.push(selection);
        if (selection.selectionSet) walk(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(root);
  return out;
}
