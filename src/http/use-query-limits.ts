import { GraphQLError, Kind, visit } from 'graphql';
import type {
  ASTNode,
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { estimateOperationCost, fragmentsOf, type CountLimits, type VariableValues } from './query-cost.ts';

/*
 * Why our own depth and alias rules rather than @escape.tech/graphql-armor-max-depth / -max-aliases (checked at
 * 2.4.2 / 2.6.2): both declare `graphql: ^16.10.0` as a hard dependency (not a peer), so with our graphql 17 npm
 * installs a second graphql 16 copy under them (`npm i --dry-run` adds graphql 16.15.0 twice) and their
 * GraphQLErrors come from that other realm; max-depth skips `__schema` but not `__type`; and they throw
 * `Syntax Error: ...` without `extensions.code`, so we would need onReject hooks to re-report our own errors. Using
 * them would mean overrides or patches; the two rules below are ~40 lines. The cost rule is ours in any case.
 */

export interface QueryLimits extends CountLimits {
  /** Deepest selection (root fields are depth 1; fragments expanded; `__schema` / `__type` not counted). */
  readonly maxDepth: number;
  /** Aliases in the operation, fragments expanded. */
  readonly maxAliases: number;
  /** Estimated FHIR resources loaded upstream, see estimateCost in query-cost.ts. */
  readonly maxCost: number;
}

export type QueryLimitCode = 'QUERY_TOO_DEEP' | 'TOO_MANY_ALIASES' | 'QUERY_TOO_COSTLY';

/**
 * Rejects operations that are too deep, use too many aliases or would load too many FHIR resources, as validation
 * errors (HTTP 400, nothing executed). A validation rule, so HTTP and WebSocket (one yoga pipeline) behave alike.
 *
 * The cost depends on the variables (`PatientList(_count: $n)`) while yoga caches validation results per document
 * and the *names* of the rules. So the rule is named after the values of the variables used as `_count`: the same
 * document with other counts is validated afresh, one without `_count` variables stays fully cached.
 * Variables are read from yoga's `context.params`; where they are missing the cost assumes maxCount for them.
 */
export function useQueryLimits(limits: QueryLimits): Plugin {
  return {
    onValidate({ context, params, addValidationRule }) {
      const variables = (context as { params?: { variables?: Record<string, unknown> | null } } | undefined)?.params?.variables;
      const known: VariableValues = variables === undefined ? undefined : (variables ?? {});
      const rule = queryLimitsRule(limits, known);
      Object.defineProperty(rule, 'name', { value: ruleName(params.documentAST, known) });
      addValidationRule(rule);
    },
  };
}

/** The validation rule itself (for use with graphql's `validate` outside yoga). */
export function queryLimitsRule(limits: QueryLimits, variables: VariableValues): ValidationRule {
  return function QueryLimits(context) {
    let fragments: Map<string, FragmentDefinitionNode> | undefined;
    return {
      OperationDefinition(operation) {
        fragments ??= fragmentsOf(context.getDocument());
        const depth = operationDepth(operation, fragments);
        if (depth > limits.maxDepth) {
          context.reportError(
            limitError('QUERY_TOO_DEEP', `Query depth ${depth} exceeds the limit ${limits.maxDepth}.`, limits.maxDepth, depth, operation),
          );
        }
        const aliases = operationAliasCount(operation, fragments);
        if (aliases > limits.maxAliases) {
          context.reportError(
            limitError('TOO_MANY_ALIASES', `Query uses ${aliases} aliases, more than the limit ${limits.maxAliases}.`, limits.maxAliases, aliases, operation),
          );
        }
        const cost = estimateOperationCost(context.getSchema(), operation, fragments, variables, limits);
        if (cost > limits.maxCost) {
          const message =
            `Query cost ${cost} exceeds the limit ${limits.maxCost} (estimated FHIR resources loaded). ` +
            'Lower _count or remove nested lists.';
          context.reportError(limitError('QUERY_TOO_COSTLY', message, limits.maxCost, cost, operation));
        }
        return false; // measured above; nothing to visit below
      },
    };
  };
}

function limitError(code: QueryLimitCode, message: string, limit: number, actual: number, node: ASTNode): GraphQLError {
  return new GraphQLError(message, { nodes: node, extensions: { code, http: { status: 400 }, limit, actual } });
}

/** Deepest field of the operation: `{ a { b } }` = 2. Fragments add no level; `__schema` / `__type` count 0. */
export function operationDepth(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  return measure(operation.selectionSet, fragments, (field, below) =>
    field.name.value === '__schema' || field.name.value === '__type' ? 0 : 1 + below,
  Math.max);
}

/** Aliases in the operation, each spread of a fragment counting its aliases again. */
export function operationAliasCount(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  return measure(operation.selectionSet, fragments, (field, below) => (field.alias ? 1 : 0) + below, (a, b) => a + b);
}

/**
 * Folds a selection set with fragments expanded: `ofField(field, value of its selection set)`, siblings combined by
 * `combine` (from 0). A named fragment is measured once (memoised), so fragment bombs stay linear; cycles count 0
 * (NoFragmentCyclesRule reports them).
 */
function measure(
  root: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ofField: (field: { name: { value: string }; alias?: unknown }, below: number) => number,
  combine: (a: number, b: number) => number,
): number {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const walk = (set: SelectionSetNode): number => {
    let value = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        value = combine(value, ofField(selection, selection.selectionSet ? walk(selection.selectionSet) : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        value = combine(value, walk(selection.selectionSet));
      } else {
        const name = selection.name.value;
        let inner = memo.get(name);
        if (inner === undefined) {
          const fragment = fragments.get(name);
          if (!fragment || visiting.has(name)) continue;
          visiting.add(name);
          inner = walk(fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, inner);
        }
        value = combine(value, inner);
      }
    }
    return value;
  };
  return walk(root);
}

const countVariablesByDocument = new WeakMap<DocumentNode, readonly string[]>();

/** Names of the variables used as a `_count` argument anywhere in the document. */
function countVariables(document: DocumentNode): readonly string[] {
  let names = countVariablesByDocument.get(document);
  if (!names) {
    const found = new Set<string>();
    visit(document, {
      Argument(node) {
        if (node.name.value === '_count' && node.value.kind === Kind.VARIABLE) found.add(node.value.name.value);
      },
    });
    names = [...found].sort();
    countVariablesByDocument.set(document, names);
  }
  return names;
}

/** `QueryLimits`, or `QueryLimits(n=50,m=default)`: part of yoga's validation-cache key (see useQueryLimits). */
function ruleName(document: DocumentNode, variables: VariableValues): string {
  const names = countVariables(document);
  if (names.length === 0) return 'QueryLimits';
  const show = (name: string): string => {
    if (variables === undefined) return 'unknown';
    const value = variables[name];
    // Anything but a finite number gives the default n (or a coercion error), whatever it is.
    return typeof value === 'number' && Number.isFinite(value) ? String(value) : Object.hasOwn(variables, name) ? 'default' : 'absent';
  };
  return `QueryLimits(${names.map((name) => `${name}=${show(name)}`).join(',')})`;
}
