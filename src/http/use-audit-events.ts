import type { Plugin } from 'graphql-yoga';
import { toAuditEvent } from '../audit/audit-event-resource.ts';
import { searchAuditEvents } from '../audit/audit-search.ts';
import type { Db } from '../db/database.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { shown } from '../errors/shown.ts';
import { grantsFor, type Interaction } from '../fhir/access.ts';
import type { FhirContext } from '../fhir/fhir-context.ts';
import type { Viewer } from '../fhir/viewer.ts';
import { isFhirId } from '../sources/reference.ts';
import type { Answering, FetchApi } from './fhir-rest/rest-call.ts';
import { restFailure, type RestErrorLog } from './fhir-rest/rest-errors.ts';
import { checkFormat, contentTypeOf } from './fhir-rest/rest-request.ts';
import { bundleResponse, fhirResponse } from './fhir-rest/rest-response.ts';
import { answering, decodeSegments } from './fhir-rest/rest-route.ts';
import { readBodyBytes } from './read-body.ts';
import { publicRootOf, requestIdOf, urlOf } from './request-meta.ts';

export interface AuditEventsOptions {
  /**
   * Where the audit trail is stored (possibly still opening: app.ts opens it at start); null: the gateway runs without
   * a database (every answer is 501). A database that failed to open is 503.
   */
  readonly db: Db | Promise<Db> | null;
  /** Where the FHIR endpoints live, e.g. `/fhir`. */
  readonly fhirBasePath: string;
  readonly log: RestErrorLog;
  /** The largest page of a search (`_count` is capped to it). */
  readonly maxCount: number;
  /** The request's FhirContext, built as for every route (request-context.ts): the viewer decides. */
  readonly contextOf: (request: Request) => FhirContext;
}

type Route =
  | { readonly kind: 'search'; readonly post: boolean }
  | { readonly kind: 'read'; readonly id: string };

/**
 * The gateway's own audit trail, read as FHIR: `GET [base]/AuditEvent?...` (a searchset Bundle; parameters:
 * src/audit/audit-search.ts), `POST [base]/AuditEvent/_search` (form body), `GET [base]/AuditEvent/{id}` (one event).
 * Registered before the generic REST route, which would otherwise send these requests to the upstream sources:
 * every path under `[base]/AuditEvent` is answered here (`[base]/{source}/AuditEvent` stays the upstream's own).
 *
 * - Who may read it: an access token needs a `user/` or `system/` scope granting search (for a search) or read (for
 *   one event) on AuditEvent, e.g. `user/AuditEvent.rs`, `system/AuditEvent.read`, or a `*` type such as
 *   `system/*.rs` (the SMART meaning of the wildcard). `patient/` scopes and granular scopes (`?param=`) grant
 *   nothing: they cannot be enforced on the trail. Any other token is 403 FORBIDDEN. Without auth configured (the
 *   anonymous viewer) the gateway runs open, so everything, the trail included, is readable: the same rule as every
 *   other resource (src/fhir/access.ts); a deployment that must protect its trail configures auth.
 * - The trail is append-only: POST, PUT, PATCH and DELETE are 405 METHOD_NOT_ALLOWED with `allow: GET`.
 *   `_history` is 501 (events never change, so they have none).
 * - Without a database (`db: null`) the trail is not stored: 501 NOT_IMPLEMENTED, after the checks above (so that
 *   the answer to a client without an audit scope tells it nothing about the deployment).
 * - Every failure is an OperationOutcome (rest-errors.ts); every answer is `cache-control: no-store`.
 */
export function useAuditEvents(options: AuditEventsOptions): Plugin {
  const base = options.fhirBasePath.split('/').filter((s) => s !== '');
  return {
    async onRequest({ request, fetchAPI, endResponse }) {
      const url = urlOf(request);
      const segments = decodeSegments(url.pathname);
      if (segments === null || segments.length <= base.length || !base.every((s, i) => segments[i] === s)) return;
      let rest = segments.slice(base.length);
      if (rest[0] !== 'AuditEvent') return;
      if (rest.length > 1 && rest.at(-1) === '') rest = rest.slice(0, -1); // a trailing slash
      const requestId = requestIdOf(request);
      const answer = answering(fetchAPI as unknown as FetchApi, requestId);
      const fhirBase = publicRootOf(request, url) + options.fhirBasePath;
      let response: Response;
      try {
        const route = routeOf(request.method, rest);
        authorize(options.contextOf(request).viewer, route.kind === 'search' ? 's' : 'r');
        checkFormat(request, url);
        if (options.db === null) {
          throw new GatewayError('NOT_IMPLEMENTED', 'The audit trail is not stored (no database): configure storage to keep and read it');
        }
        const db = await Promise.resolve(options.db).catch(() => {
          throw new GatewayError('SOURCE_UNAVAILABLE', 'The audit trail database is not available right now');
        });
        response = route.kind === 'read'
          ? await readOne(db, answer, fhirBase, route.id)
          : await search(options, db, answer, request, url, fhirBase, route.post);
      } catch (error) {
        response = restFailure(answer, error, undefined, requestId, options.log, fhirBase);
      }
      response.headers.set('cache-control', 'no-store');
      endResponse(response);
    },
  };
}

/** `rest` starts with 'AuditEvent'. */
function routeOf(method: string, rest: readonly string[]): Route {
  const reading = method === 'GET' || method === 'HEAD';
  const [, second, third] = rest;
  const appendOnly = (where: string) =>
    new GatewayError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${where}: the audit trail is append-only and written by the gateway alone`, {
      headers: { allow: 'GET' },
    });
  if (rest.length === 1) {
    if (!reading) throw appendOnly('AuditEvent');
    return { kind: 'search', post: false };
  }
  if (second === '_search' && rest.length === 2) {
    if (method !== 'POST') throw new GatewayError('METHOD_NOT_ALLOWED', '_search takes POST (or GET AuditEvent itself)', { headers: { allow: 'POST' } });
    return { kind: 'search', post: true };
  }
  if (second === '_history' || third === '_history') {
    throw new GatewayError('NOT_IMPLEMENTED', 'AuditEvents have no history: an audit record never changes');
  }
  if (rest.some((s) => s.startsWith('$'))) {
    throw new GatewayError('NOT_IMPLEMENTED', `Operation '${shown(rest.find((s) => s.startsWith('$'))!)}' is not supported on the audit trail`);
  }
  if (rest.length === 2) {
    if (!reading) throw appendOnly(`AuditEvent/${shown(second!)}`);
    if (!isFhirId(second!)) throw new GatewayError('BAD_USER_INPUT', `'${shown(second!)}' is not a valid FHIR id`);
    return { kind: 'read', id: second! };
  }
  throw new GatewayError('NOT_FOUND', `No FHIR interaction is defined at AuditEvent/${rest.slice(1).map((s) => shown(s)).join('/')}`);
}

/**
 * May this viewer read (r) or search (s) the audit trail? Anonymous (no auth configured): yes. A token: some
 * `user/` or `system/` scope without granular parameters must grant the interaction on AuditEvent (or `*`).
 */
export function mayReadAuditTrail(viewer: Viewer, interaction: Extract<Interaction, 'r' | 's'>): boolean {
  if (viewer.kind === 'anonymous') return true;
  // Named explicitly: a wildcard (`user/*.rs`, given to clinical apps) does not open the record of everyone's accesses.
  return grantsFor(viewer, 'AuditEvent', interaction).some((g) => g.resourceType === 'AuditEvent' && (g.context === 'user' || g.context === 'system') && g.filters.length === 0);
}

function authorize(viewer: Viewer, interaction: 'r' | 's'): void {
  if (mayReadAuditTrail(viewer, interaction)) return;
  const what = interaction === 's' ? 'search' : 'read';
  throw new GatewayError('FORBIDDEN', `The access token grants no ${what} of the audit trail: a scope such as user/AuditEvent.rs or system/AuditEvent.rs is needed (patient/ and granular scopes do not grant it)`, {
    details: { resourceType: 'AuditEvent', interaction: what },
  });
}

async function readOne(db: Db, answer: Answering, fhirBase: string, id: string): Promise<Response> {
  const row = await db.kysely.selectFrom('audit_event').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw new GatewayError('NOT_FOUND', `AuditEvent/${id} is not in the audit trail`);
  return fhirResponse(answer, 200, toAuditEvent({ ...row, recorded_ms: Number(row.recorded_ms) }, { server: fhirBase }));
}

async function search(
  options: AuditEventsOptions, db: Db, answer: Answering, request: Request, url: URL, fhirBase: string, post: boolean,
): Promise<Response> {
  const params = new URLSearchParams(url.searchParams);
  if (post) {
    const type = contentTypeOf(request);
    const body = (await readBodyBytes(request)).toString('utf8');
    if (body !== '' || type !== '') {
      if (type !== 'application/x-www-form-urlencoded') {
        throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `Content-Type '${shown(type)}' is not supported here; send application/x-www-form-urlencoded`);
      }
      for (const [name, value] of new URLSearchParams(body)) params.append(name, value);
    }
  }
  const result = await searchAuditEvents(db, params, { maxCount: options.maxCount });
  const link = (offset: number) => {
    const query = new URLSearchParams([...params].filter(([name]) => name !== '_count' && name !== '_offset'));
    query.set('_count', String(result.count));
    query.set('_offset', String(offset));
    return `${fhirBase}/AuditEvent?${query}`;
  };
  const bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total !== undefined && { total: result.total }),
    link: [
      { relation: 'self', url: link(result.offset) },
      ...(result.next !== undefined ? [{ relation: 'next', url: link(result.next.offset) }] : []),
      ...(result.previous !== undefined ? [{ relation: 'previous', url: link(result.previous.offset) }] : []),
    ],
  };
  const entries = result.rows.map((row) => ({
    fullUrl: `${fhirBase}/AuditEvent/${row.id}`,
    resource: toAuditEvent(row, { server: fhirBase }),
    search: { mode: 'match' },
  }));
  return bundleResponse(answer, bundle, entries);
}
