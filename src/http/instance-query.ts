import { GraphQLError, Kind, Source, parse, type DocumentNode } from 'graphql';
import { isErrorCode, statusOf } from '../errors/error-codes.ts';

/** The resource an instance-level `$graphql` request is about: `[base]/Patient/p1/$graphql`. */
export interface FocusResource {
  readonly resourceType: string;
  /** A valid FHIR id (checked by the route). */
  readonly id: string;
  /** A configured source id (checked by the route). */
  readonly sourceId?: string;
}

/** Text inserted into the client's query, at an offset of the original text. */
interface Insertion {
  readonly at: number;
  readonly text: string;
}

/** The client's query with every operation's selection set nested under the focus resource's root field. */
export interface FocusedQuery {
  readonly query: string;
  readonly original: string;
  readonly rootField: string;
  readonly insertions: readonly Insertion[];
}

/**
 * Rewrites `{ name { family } }` into `{Patient(id: "p1") { name { family } }}` for every operation of the document,
 * by inserting text (no newlines) so that the client's text, and with it its fragments, variables and operation
 * names, stays as written, and error locations can be mapped back exactly (toOriginalError).
 *
 * Returns undefined when the query does not parse (the pipeline then reports the syntax error on the client's own
 * text), a GraphQLError when it holds a mutation or subscription (the focus resource is the root of a query).
 */
export function focusQuery(query: string, focus: FocusResource): FocusedQuery | GraphQLError | undefined {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return undefined;
  }
  const args = [`id: ${JSON.stringify(focus.id)}`, ...(focus.sourceId ? [`sourceId: ${JSON.stringify(focus.sourceId)}`] : [])];
  const open = `${focus.resourceType}(${args.join(', ')}) {`;
  const insertions: Insertion[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (definition.operation !== 'query') {
      return new GraphQLError(`Instance-level $graphql runs queries only (${focus.resourceType}/${focus.id} is the query root); send ${definition.operation}s to [base]/$graphql.`, {
        extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
      });
    }
    const loc = definition.selectionSet.loc;
    if (!loc) return undefined;
    insertions.push({ at: loc.start + 1, text: open }, { at: loc.end - 1, text: '}' });
  }
  if (insertions.length === 0) return undefined;
  insertions.sort((a, b) => a.at - b.at);
  let rewritten = '';
  let from = 0;
  for (const insertion of insertions) {
    rewritten += query.slice(from, insertion.at) + insertion.text;
    from = insertion.at;
  }
  rewritten += query.slice(from);
  return { query: rewritten, original: query, rootField: focus.resourceType, insertions };
}

/** The offset in the client's text of an offset in the rewritten text; undefined inside inserted text. */
export function toOriginalOffset(focused: FocusedQuery, offset: number): number | undefined {
  let shift = 0;
  for (const insertion of focused.insertions) {
    const at = insertion.at + shift;
    if (offset < at) break;
    if (offset < at + insertion.text.length) return undefined;
    shift += insertion.text.length;
  }
  return offset - shift;
}

/**
 * The error as the client should see it: locations in its own text (none for the inserted root field), and the path
 * without the root field (the focus resource is the root; an error of the root field itself has no path).
 */
export function toOriginalError(focused: FocusedQuery, error: GraphQLError): GraphQLError {
  const path = error.path && error.path[0] === focused.rootField ? error.path.slice(1) : error.path;
  const positions = error.positions?.map((p) => toOriginalOffset(focused, p)).filter((p) => p !== undefined);
  return new GraphQLError(error.message, {
    ...(positions && positions.length > 0 ? { source: new Source(focused.original), positions } : {}),
    ...(path && path.length > 0 ? { path } : {}),
    ...(error.originalError ? { originalError: error.originalError } : {}),
    ...(error.extensions ? { extensions: error.extensions } : {}),
  });
}

interface SingleResult {
  data?: Record<string, unknown> | null;
  errors?: readonly unknown[];
  extensions?: Record<string, unknown>;
}

/**
 * The pipeline's result for the rewritten query, as the answer to the client's: `data.Patient` becomes `data`,
 * errors and warnings lose the root field from their paths and get locations in the client's text. When the focus
 * resource fails for a reason the client can fix (it does not exist, it is in two sources) the response has that
 * failure's status (404, 410, 409), as a FHIR read of it would.
 */
export function unfocusResult<T extends SingleResult>(focused: FocusedQuery, result: T): T & Pick<SingleResult, 'extensions'> {
  const root = focused.rootField;
  const out: SingleResult = { ...result };
  if (result.data !== undefined) out.data = result.data === null ? null : ((result.data[root] ?? null) as Record<string, unknown> | null);
  const rootStatus = rootErrorStatus(result.errors, root);
  if (result.errors) out.errors = result.errors.map((e) => (e instanceof GraphQLError ? toOriginalError(focused, e) : e));
  const warnings = result.extensions?.['warnings'];
  if (Array.isArray(warnings) || (rootStatus !== undefined && out.data === null)) {
    const extensions: Record<string, unknown> = { ...result.extensions };
    if (Array.isArray(warnings)) extensions['warnings'] = warnings.map((w: { path?: unknown }) => withoutRoot(w, root));
    if (rootStatus !== undefined && out.data === null) extensions['http'] = { ...(extensions['http'] as object | undefined), status: rootStatus };
    out.extensions = extensions;
  }
  return out as T;
}

/**
 * The status of the focus resource's own failure when the client could fix it (4xx: NOT_FOUND 404 — 410 when the source
 * said it was deleted — AMBIGUOUS_ID 409, ...), as a FHIR read of the URL would answer; undefined for any other error
 * (a source that is down stays a GraphQL field error with status 200).
 */
function rootErrorStatus(errors: readonly unknown[] | undefined, root: string): number | undefined {
  for (const e of errors ?? []) {
    if (!(e instanceof GraphQLError) || e.path?.length !== 1 || e.path[0] !== root) continue;
    const code = e.extensions?.['code'];
    if (!isErrorCode(code)) continue;
    const upstream = e.extensions['upstreamStatus'];
    const status = statusOf(code, undefined, typeof upstream === 'number' ? upstream : undefined);
    if (status >= 400 && status < 500) return status;
  }
  return undefined;
}

function withoutRoot<W extends { path?: unknown }>(warning: W, root: string): W {
  if (!Array.isArray(warning.path) || warning.path[0] !== root) return warning;
  const { path, ...rest } = warning;
  return (path.length > 1 ? { ...rest, path: path.slice(1) } : rest) as W;
}
