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
  /** Deepest selection (root fields are depth 1; fragments expanded; `__schema` / `__type` subtrees measured apart). */
  readonly maxDepth: number;
  /**
   * Deepest selection inside `__schema` / `__type` subtrees, the introspection field counting 1 (default
   * {@link STANDARD_INTROSPECTION_DEPTH}, the depth of graphql's getIntrospectionQuery(), which GraphiQL sends).
   */
  readonly maxIntrospectionDepth?: number;
  /** Aliases in the operation, fragments expanded. */
  readonly maxAliases: number;
  /** Estimated FHIR resources loaded upstream, see estimateCost in query-cost.ts. */
  readonly maxCost: number;
}

export type QueryLimitCode = 'QUERY_TOO_DEEP' | 'TOO_MANY_ALIASES' | 'QUERY_TOO_COSTLY';

const LIMIT_CODES: ReadonlySet<unknown> = new Set(['QUERY_TOO_DEEP', 'TOO_MANY_ALIASES', 'QUERY_TOO_COSTLY', 'INTROSPECTION_DISABLED']);

export interface QueryLimitsOptions {
  /** false: every `__schema` / `__type` is refused with INTROSPECTION_DISABLED (400); `__typename` stays. Default true. */
  readonly introspection?: boolean;
}

/** Depth of graphql's getIntrospectionQuery(): `__schema { types { fields { type { ...TypeRef } } } }`, TypeRef 9 `ofType` deep. */
export const STANDARD_INTROSPECTION_DEPTH = 15;

/**
 * Introspection root fields (`__schema`, `__type`) an operation may hold. Each answers up to the whole schema (MBs for
 * the FHIR schema) from memory at no upstream cost, so aliasing many of them multiplied one request into hundreds of
 * MB; one is all GraphiQL and codegen need.
 */
export const MAX_INTROSPECTION_FIELDS = 1;

/**
 * Rejects operations that are too deep, use too many aliases or would load too many FHIR resources, as validation
 * errors (HTTP 400, nothing executed). A validation rule, so HTTP and WebSocket (one yoga pipeline) behave alike.
 *
 * The cost depends on the variables (`PatientList(_count: $n)`) while yoga caches validation results per document
 * and the *names* of the rules. So the rule is named after the values of the variables used as `_count`: the same
 * document with other counts is validated afresh, one without `_count` variables stays fully cached.
 * Variables are read from yoga's `context.params`; where they are missing the cost assumes maxCount for them.
 */
export function useQueryLimits(limits: QueryLimits, options: QueryLimitsOptions = {}): Plugin {
  const introspection = options.introspection ?? true;
  return {
    // yoga marks every validation error a GraphQL-over-HTTP "spec" error, which it answers 200 to a client accepting
    // application/json (or */*, as curl and fetch do). A refusal by a limit is the server declining the work, not a
    // mistake in the client's GraphQL: 400 whatever the Accept header, as use-document-limits.ts does for its limits.
    onExecutionResult({ result }) {
      if (result === undefined || Symbol.asyncIterator in result) return;
      for (const error of result.errors ?? []) {
        if (!LIMIT_CODES.has(error.extensions?.['code'])) continue;
        const http: unknown = error.extensions['http'];
        if (typeof http === 'object' && http !== null && 'spec' in http) (http as { spec: boolean }).spec = false;
      }
    },
    onValidate({ context, params, addValidationRule }) {
      if (!introspection) addValidationRule(NoIntrospection);
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
        const maxIntrospectionDepth = limits.maxIntrospectionDepth ?? STANDARD_INTROSPECTION_DEPTH;
        const introspectionDepth = operationIntrospectionDepth(operation, fragments);
        if (introspectionDepth > maxIntrospectionDepth) {
          const message = `Introspection depth ${introspectionDepth} exceeds the limit ${maxIntrospectionDepth}.`;
          context.reportError(limitError('QUERY_TOO_DEEP', message, maxIntrospectionDepth, introspectionDepth, operation));
        }
        const introspectionFields = operationIntrospectionCount(operation, fragments);
        if (introspectionFields > MAX_INTROSPECTION_FIELDS) {
          const message =
            `Operation selects __schema / __type ${introspectionFields} times (aliases and fragment spreads included); at most ` +
            `${MAX_INTROSPECTION_FIELDS} is allowed per operation, as each one can return the whole schema. Send one per request.`;
          context.reportError(limitError('QUERY_TOO_COSTLY', message, MAX_INTROSPECTION_FIELDS, introspectionFields, operation));
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

/**
 * Refuses `__schema` and `__type` wherever they appear (operations and fragments), as graphql's
 * NoSchemaIntrospectionCustomRule does, with a stable code. `__typename` is not introspection of the schema.
 */
export const NoIntrospection: ValidationRule = function NoIntrospection(context) {
  return {
    Field(node) {
      if (!isIntrospectionField(node)) return;
      context.reportError(new GraphQLError(
        `Introspection is disabled on this server: "${node.name.value}" cannot be queried.`,
        { nodes: node, extensions: { code: 'INTROSPECTION_DISABLED', http: { status: 400 } } },
      ));
    },
  };
};

function isIntrospectionField(field: { name: { value: string } }): boolean {
  return field.name.value === '__schema' || field.name.value === '__type';
}

/** Deepest field of the operation: `{ a { b } }` = 2. Fragments add no level; `__schema` / `__type` subtrees count 0. */
export function operationDepth(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  return measure(operation.selectionSet, fragments, (field, below) => (isIntrospectionField(field) ? 0 : 1 + below), Math.max);
}

/**
 * Deepest field inside `__schema` / `__type` subtrees, counted from the operation's root (`{ __schema { types { name } } }`
 * = 3); 0 without introspection. Fragments add no level.
 */
export function operationIntrospectionDepth(
  operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  const memo = new Map<string, number>(); // shared by every subtree: k introspection fields cost O(document), not O(k × document)
  const fullDepth = (set: SelectionSetNode | undefined): number =>
    set === undefined ? 0 : measure(set, fragments, (_field, below) => 1 + below, Math.max, memo);
  return measure(operation.selectionSet, fragments, (field, below) => {
    if (isIntrospectionField(field)) return 1 + fullDepth(field.selectionSet);
    return below > 0 ? 1 + below : 0;
  }, Math.max);
}

/** `__schema` / `__type` fields of the operation, each alias and each fragment spread counting again. */
export function operationIntrospectionCount(
  operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  return measure(operation.selectionSet, fragments, (field, below) => (isIntrospectionField(field) ? 1 : 0) + below, (a, b) => a + b);
}

/** Aliases in the operation, each spread of a fragment counting its aliases again. */
export function operationAliasCount(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  return measure(operation.selectionSet, fragments, (field, below) => (field.alias ? 1 : 0) + below, (a, b) => a + b);
}

/**
 * Folds a selection set with fragments expanded: `ofField(field, value of its selection set)`, siblings combined by
 * `combine` (from 0). A named fragment is measured once (memoised in `memo`, which calls with the same `ofField` and
 * `combine` may share), so fragment bombs stay linear; cycles count 0 (NoFragmentCyclesRule reports them).
 */
function measure(
  root: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ofField: (field: { name: { value: string }; alias?: unknown; selectionSet?: SelectionSetNode | undefined }, below: number) => number,
  combine: (a: number, b: number) => number,
  memo = new Map<string, number>(),
): number {
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
