import { getDirectiveValues, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import { sliceDirective } from './fhir-directives.ts';

/**
 * `@slice(path: "use")` evaluates FHIRPath on the FHIR data of each item, which the response no longer holds (only
 * the selected fields, maybe aliased). So resolvers of FHIR lists record the items they return — only for a field
 * that carries @slice, only while use-fhir-directives.ts has armed recording for the request — and the result
 * reshaping reads them back by response path.
 */
export interface SliceSource {
  /** The field's FHIR items, in response order (a single-valued field: one item). */
  readonly items: readonly unknown[];
  /** FHIR element path of the items ('Patient.name'); none for whole resources. */
  readonly base?: string;
  /** `%resource` for the items (the enclosing resource); none when the items are resources. */
  readonly root?: unknown;
  /** The field's @slice path (variables resolved): evaluated on the items after execution (slice-values.ts). */
  readonly expression?: string;
}

const armed = new WeakMap<object, Map<string, SliceSource>>();

/** Called before execution when the operation slices with a FHIRPath expression. */
export function armSliceRecording(context: object): Map<string, SliceSource> {
  const records = new Map<string, SliceSource>();
  armed.set(context, records);
  return records;
}

export function hasSliceDirective(nodes: readonly FieldNode[]): boolean {
  for (const node of nodes) {
    const directives = node.directives;
    if (directives) for (const d of directives) if (d.name.value === 'slice') return true;
  }
  return false;
}

/** Records what a list (or single complex) field resolved to, when the field carries @slice. Cheap otherwise. */
export function recordSliceSource(context: object, info: GraphQLResolveInfo, items: unknown, base?: string, root?: unknown): void {
  if (!hasSliceDirective(info.fieldNodes)) return;
  const records = armed.get(context);
  if (!records || items === null || items === undefined) return;
  const expression = slicePath(info);
  records.set(responsePathKey(info.path), {
    items: Array.isArray(items) ? items : [items],
    ...(base !== undefined ? { base } : {}),
    ...(root !== undefined ? { root } : {}),
    ...(expression !== undefined ? { expression } : {}),
  });
}

/** The @slice path of the field (the first of its merged nodes that has one; the plan rejects two different ones). */
function slicePath(info: GraphQLResolveInfo): string | undefined {
  for (const node of info.fieldNodes) {
    if (!node.directives?.some((d) => d.name.value === 'slice')) continue;
    let path: unknown;
    try {
      path = getDirectiveValues(sliceDirective, node, info.variableValues)?.['path'];
    } catch {
      return undefined; // the plan reported it before execution
    }
    if (typeof path === 'string') return path.trim();
  }
  return undefined;
}

/** 'PatientList/0/name' for a resolver's path; the reshaping builds the same key from its own path array. */
export function responsePathKey(path: GraphQLResolveInfo['path'] | readonly (string | number)[]): string {
  if (Array.isArray(path)) return path.join('/');
  let key = '';
  for (let p: GraphQLResolveInfo['path'] | undefined = path as GraphQLResolveInfo['path']; p; p = p.prev) {
    key = key === '' ? String(p.key) : `${String(p.key)}/${key}`;
  }
  return key;
}
