import { history as historyPage } from '../../fhir/history.ts';
import { readInstance } from '../../fhir/read.ts';
import { gatewayUrl, type RestCall } from './rest-call.ts';
import { rewriteBundle } from './rest-bundle.ts';
import { fhirResponse } from './rest-response.ts';

/** `GET [base]/Type/id` and `GET [base]/Type/id/_history/vid`, with ETag, Last-Modified and 304s. */
export async function read(call: RestCall, resourceType: string, id: string, versionId?: string): Promise<Response> {
  const inm = call.request.headers.get('if-none-match');
  const ims = call.request.headers.get('if-modified-since');
  const found = await readInstance(call.ctx, {
    resourceType,
    id,
    ...(versionId !== undefined ? { versionId } : {}),
    ...(call.sourceId !== undefined ? { sourceId: call.sourceId } : {}),
    ...(inm !== null ? { ifNoneMatch: inm } : {}),
    ...(ims !== null ? { ifModifiedSince: ims } : {}),
  });
  const headers: Record<string, string> = {};
  if (found.etag !== undefined) headers['etag'] = found.etag;
  if (found.lastModified !== undefined) headers['last-modified'] = found.lastModified;
  if (found.status === 304) return fhirResponse(call.fetchAPI, 304, undefined, headers);
  const versioned = found.resource?.meta?.versionId;
  if (versionId === undefined && versioned) {
    headers['content-location'] = gatewayUrl(call, found.source, `${resourceType}/${id}/_history/${versioned}`);
  }
  return fhirResponse(call.fetchAPI, 200, found.resource, headers);
}

/**
 * `GET [base]/Type/id/_history` and `GET [base]/Type/_history`: the source's history Bundle, its `fullUrl`s and paging
 * links pointing at the gateway (a paging link carries the source's own link in a signed `_cursor`).
 */
export async function history(call: RestCall, resourceType: string, id: string | undefined): Promise<Response> {
  const cursor = call.url.searchParams.get('_cursor');
  const page = await historyPage(call.ctx, {
    resourceType,
    ...(id !== undefined ? { id } : {}),
    ...(call.sourceId !== undefined ? { sourceId: call.sourceId } : {}),
    query: call.url.search.slice(1),
    ...(cursor !== null ? { cursor } : {}),
  });
  return fhirResponse(call.fetchAPI, 200, rewriteBundle(call, page));
}
