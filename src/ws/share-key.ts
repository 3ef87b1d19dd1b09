import { Kind, getOperationAST, type DocumentNode, type ValueNode } from 'graphql';
import type { OperationParams } from '../http/enveloped-operation.ts';
import { authorizationKey, type Viewer } from '../fhir/viewer.ts';

/**
 * Which subscribers may share one execution of a subscription (subscription-groups.ts): those who sent the same
 * operation (document text, operation name, variables, extensions) with the same authorization (issuer, scopes,
 * patient context: every access decision is the same) through the same public root (URLs in results are the same).
 * Undefined — a stream of its own — for anything else than a subscription, and for one that resumes with `_since`:
 * its replay starts at its own place in the log, not where a live group is.
 */
export function shareKey(document: DocumentNode, params: OperationParams, viewer: Viewer, publicRoot: string): string | undefined {
  const operation = getOperationAST(document, params.operationName ?? undefined);
  if (operation?.operation !== 'subscription') return undefined;
  const variables: Record<string, unknown> = { ...params.variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables[name] === undefined && definition.defaultValue !== undefined && definition.defaultValue.kind !== Kind.NULL) variables[name] = true;
  }
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return undefined; // a fragment at the root: not looked into
    for (const argument of selection.arguments ?? []) {
      if (argument.name.value === '_since' && !isNull(argument.value, variables)) return undefined;
    }
  }
  return JSON.stringify([params.query, params.operationName ?? null, params.variables ?? null, params.extensions ?? null, authorizationKey(viewer), publicRoot]);
}

function isNull(value: ValueNode, variables: Record<string, unknown>): boolean {
  if (value.kind === Kind.NULL) return true;
  if (value.kind === Kind.VARIABLE) return variables[value.name.value] == null;
  return false;
}
