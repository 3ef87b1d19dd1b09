import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FocusResource } from './instance-query.ts';
import { isFhirId } from '../sources/reference.ts';
import { requestIdFrom } from './use-request-id.ts';
import { sendJson, type NodeHandler, type Route } from './router.ts';
import type { FhirGraphqlServerContext } from './use-fhir-graphql.ts';

const OPERATION = '$graphql';
/** FHIR id (R4 `id` datatype). */

export interface FhirGraphqlRouteOptions {
  /** Where the FHIR endpoints live, e.g. `/fhir`. */
  readonly basePath: string;
  /** The GraphQL pipeline's own path (yoga's graphqlEndpoint), e.g. `/graphql`. */
  readonly graphqlEndpoint: string;
  /** The yoga instance serving graphqlEndpoint (called as a node:http handler with a server context). */
  readonly yoga: (req: IncomingMessage, res: ServerResponse, context: FhirGraphqlServerContext) => unknown;
  readonly isResourceType: (name: string) => boolean;
  readonly isSource: (id: string) => boolean;
}

/**
 * `[base]/$graphql` (system level) and `[base]/[Type]/[id]/$graphql` (instance level, the resource is the query's
 * root), also `[base]/[sourceId]/[Type]/[id]/$graphql` or `?_source=` to read the resource from one source. Source
 * ids are lower-case slugs and resource types PascalCase, and the two forms differ in their number of segments, so
 * a source id can never be taken for a type.
 *
 * The request is handed to the one yoga pipeline unchanged except for its path (rewritten to the GraphQL
 * endpoint, query string kept) and its Accept header (`application/json`: the operation's result is always JSON, so
 * a browser gets JSON rather than GraphiQL, and a FHIR client's `application/fhir+json` is no 406); the server
 * context tells useFhirGraphql which level it is. Problems of the URL itself (unknown type or source, invalid id)
 * are answered here with an OperationOutcome, as a FHIR server answers a URL that names nothing.
 */
export function fhirGraphqlRoute(options: FhirGraphqlRouteOptions): Route {
  const base = options.basePath.split('/').filter((s) => s !== '');
  return ({ segments, url }) => {
    if (!segments || segments.at(-1) !== OPERATION || segments.length < base.length + 1) return undefined;
    if (!base.every((s, i) => segments[i] === s)) return undefined;
    const rest = segments.slice(base.length, -1);
    if (rest.length === 0) return forward(options, url, {});
    if (rest.length !== 2 && rest.length !== 3) {
      return outcome(404, 'not-found', `$graphql is defined at ${options.basePath}/$graphql and ${options.basePath}/[Type]/[id]/$graphql only`);
    }
    const [pathSource, resourceType, id] = rest.length === 3 ? rest : [undefined, ...rest];
    if (pathSource !== undefined && !options.isSource(pathSource)) return outcome(404, 'not-found', `Unknown source '${shown(pathSource)}'`);
    if (!options.isResourceType(resourceType!)) return outcome(404, 'not-found', `'${shown(resourceType)}' is not a FHIR R4 resource type`);
    if (!isFhirId(id!)) return outcome(400, 'invalid', `'${shown(id)}' is not a valid FHIR id`);
    const querySource = url.searchParams.get('_source');
    if (querySource !== null && !options.isSource(querySource)) return outcome(400, 'invalid', `_source: unknown source '${shown(querySource)}'`);
    if (querySource !== null && pathSource !== undefined && querySource !== pathSource) {
      return outcome(400, 'invalid', `_source '${shown(querySource)}' contradicts the source '${pathSource}' in the path`);
    }
    const sourceId = pathSource ?? querySource ?? undefined;
    const focus: FocusResource = { resourceType: resourceType!, id: id!, ...(sourceId ? { sourceId } : {}) };
    return forward(options, url, { focus });
  };
}

function forward(options: FhirGraphqlRouteOptions, url: URL, target: NonNullable<FhirGraphqlServerContext['fhirGraphql']>): NodeHandler {
  return (req, res) => {
    req.url = options.graphqlEndpoint + url.search;
    req.headers.accept = 'application/json';
    void options.yoga(req, res, { fhirGraphql: target });
  };
}

/** A path segment for a message: echoed, but never at length. */
function shown(segment: string | undefined): string {
  const text = segment ?? '';
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

function outcome(status: number, code: string, diagnostics: string): NodeHandler {
  return (req, res) => {
    req.resume(); // the body is not read; let the socket be reused
    const body = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
    sendJson(res, status, 'application/fhir+json', body, { 'x-request-id': requestIdFrom(req.headers['x-request-id']) });
  };
}
