import { asOperationOutcome } from '../upstream/error-mapping.ts';
import type { UpstreamClient, UpstreamResponse } from '../upstream/upstream-client.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { isBundle, type Bundle, type FhirResource } from './fhir-types.ts';
import { parseReference } from './reference.ts';
import { tagResource } from './resource-origin.ts';
import { encodeSearchValue, searchPath, type SearchQuery } from './search-query.ts';

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly deadline?: number;
}

export interface SearchPage {
  /** Resources with search mode 'match' (or no mode), of the searched type, tagged with their source. */
  readonly resources: FhirResource[];
  /** Resources the upstream added with search mode 'include' (`_include`/`_revinclude`), tagged with their source. */
  readonly included: FhirResource[];
  readonly total: number | undefined;
  /** Paging links of the upstream Bundle, relative to the source's base URL. */
  readonly links: Readonly<Partial<Record<'first' | 'previous' | 'next' | 'last' | 'self', string>>>;
}

export interface WriteOptions extends CallOptions {
  /** `If-Match` value, already a weak ETag (write-headers.ts): the update/delete applies only to that version. */
  readonly ifMatch?: string;
  /** `If-None-Exist` value (write-headers.ts): create only when this search matches nothing. */
  readonly ifNoneExist?: string;
}

export interface WriteResult {
  /** The resource as the source now holds it, tagged with the source: the answer's body, else read back. */
  readonly resource: FhirResource;
  /** 201 created; 200 updated, or a conditional create that found the resource already there. */
  readonly status: number;
}

export interface DeleteResult {
  readonly status: number;
  /** The OperationOutcome the source answered with (tagged), if any; 204 has none. */
  readonly outcome: FhirResource | undefined;
}

export interface FhirClientOptions {
  /** Length at which `_id=` and reference lists are split into several requests. */
  readonly maxUrlLength: number;
  /** `_count` used for batched searches that must return every match (reads by id, reverse references). */
  readonly batchPageSize: number;
  /** Upper bound of pages followed through `next` links by searchAll. */
  readonly maxPages: number;
}

/**
 * One FHIR R4 REST client per upstream source: read, batched read by id, search and paging, and the writes
 * (create, update, delete).
 * It speaks FHIR only; HTTP concerns (pooling, timeouts, retries, errors) live in the UpstreamClient.
 */
export class FhirClient {
  readonly sourceId: string;
  readonly baseUrl: string;
  readonly #upstream: UpstreamClient;
  readonly #options: FhirClientOptions;

  constructor(upstream: UpstreamClient, options: FhirClientOptions) {
    this.#upstream = upstream;
    this.#options = options;
    this.sourceId = upstream.sourceId;
    this.baseUrl = upstream.baseUrl;
  }

  async read(resourceType: string, id: string, opts: CallOptions = {}): Promise<FhirResource> {
    const body = await this.#upstream.getJson(`${resourceType}/${encodeURIComponent(id)}`, opts);
    return this.#expectResource(body, resourceType, id);
  }

  async vread(resourceType: string, id: string, versionId: string, opts: CallOptions = {}): Promise<FhirResource> {
    const body = await this.#upstream.getJson(`${resourceType}/${encodeURIComponent(id)}/_history/${encodeURIComponent(versionId)}`, opts);
    return this.#expectResource(body, resourceType, id);
  }

  /**
   * Reads many resources of one type with `_id=a,b,c` searches, split so that no URL passes
   * maxUrlLength, sent in parallel. Absent ids are simply missing from the map.
   */
  async readMany(resourceType: string, ids: readonly string[], opts: CallOptions = {}): Promise<Map<string, FhirResource>> {
    const chunks = this.chunkValues(resourceType, '_id', ids);
    const pages = await Promise.all(
      chunks.map((chunk) =>
        this.searchAll(resourceType, [['_id', chunk.join(',')], ['_count', String(Math.max(chunk.length, 1))]], opts),
      ),
    );
    const byId = new Map<string, FhirResource>();
    for (const resources of pages) for (const r of resources) if (r.id !== undefined) byId.set(r.id, r);
    return byId;
  }

  /** One page of a search. */
  async search(resourceType: string, query: SearchQuery, opts: CallOptions = {}): Promise<SearchPage> {
    return this.#page(resourceType, searchPath(resourceType, query), opts);
  }

  /** Follows a paging link the upstream gave (relative to baseUrl, or absolute under it). */
  async searchLink(resourceType: string, link: string, opts: CallOptions = {}): Promise<SearchPage> {
    return this.#page(resourceType, link, opts);
  }

  /** Every match of a search, following `next` links up to maxPages. */
  async searchAll(resourceType: string, query: SearchQuery, opts: CallOptions = {}): Promise<FhirResource[]> {
    let page = await this.search(resourceType, query, opts);
    const all = [...page.resources];
    for (let n = 1; page.links.next !== undefined; n++) {
      if (n >= this.#options.maxPages) {
        throw new UpstreamError(
          `Search of ${resourceType} on source '${this.sourceId}' has more than ${n} pages; narrow it with search parameters`,
          { code: 'UPSTREAM_BAD_REQUEST', sourceId: this.sourceId },
        );
      }
      page = await this.searchLink(resourceType, page.links.next, opts);
      all.push(...page.resources);
    }
    return all;
  }

  /**
   * `POST [base]/Type`. Like every write it is sent exactly once: the UpstreamClient retries only GETs, and its
   * circuit breaker, concurrency cap and timeouts apply as to reads.
   */
  async create(resourceType: string, resource: FhirResource, opts: WriteOptions = {}): Promise<WriteResult> {
    const response = await this.#upstream.request({
      method: 'POST',
      path: resourceType,
      body: JSON.stringify(resource),
      headers: writeHeaders(opts),
      ...callOptions(opts),
    });
    return this.#written(response, resourceType, undefined, opts);
  }

  /** `PUT [base]/Type/id` (a 412 for a stale `ifMatch` is an UPSTREAM_CONFLICT error). */
  async update(resourceType: string, id: string, resource: FhirResource, opts: WriteOptions = {}): Promise<WriteResult> {
    const response = await this.#upstream.request({
      method: 'PUT',
      path: `${resourceType}/${encodeURIComponent(id)}`,
      body: JSON.stringify(resource),
      headers: writeHeaders(opts),
      ...callOptions(opts),
    });
    return this.#written(response, resourceType, id, opts);
  }

  /** `DELETE [base]/Type/id`. */
  async delete(resourceType: string, id: string, opts: WriteOptions = {}): Promise<DeleteResult> {
    const response = await this.#upstream.request({
      method: 'DELETE',
      path: `${resourceType}/${encodeURIComponent(id)}`,
      headers: writeHeaders(opts),
      ...callOptions(opts),
    });
    const outcome = asOperationOutcome(response.body);
    return { status: response.status, outcome: outcome ? tagResource(outcome as unknown as FhirResource, this.sourceId) : undefined };
  }

  /**
   * A request the REST shim passes on as the client made it (reads with their validators, history, writes, PATCH,
   * batches): the upstream's status, headers and parsed body. Failures are UpstreamErrors; nothing but a GET is ever
   * retried. `path` is relative to the source's base URL.
   */
  async exchange(
    req: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string; body?: string; headers?: Record<string, string> },
    opts: CallOptions = {},
  ): Promise<UpstreamResponse> {
    return this.#upstream.request({ ...req, ...callOptions(opts) });
  }

  async capabilities(opts: CallOptions = {}): Promise<FhirResource> {
    const body = await this.#upstream.getJson('metadata', opts);
    if (body['resourceType'] !== 'CapabilityStatement') {
      throw new UpstreamError(`Source '${this.sourceId}' did not answer /metadata with a CapabilityStatement`, {
        code: 'UPSTREAM_BAD_RESPONSE',
        sourceId: this.sourceId,
      });
    }
    return body as FhirResource;
  }

  /** Splits values so that `Type?name=v1,v2,...` plus room for other parameters stays under maxUrlLength. */
  chunkValues(resourceType: string, name: string, values: readonly string[], reserved = 64): string[][] {
    const budget = this.#options.maxUrlLength - this.baseUrl.length - resourceType.length - name.length - reserved;
    const chunks: string[][] = [];
    let current: string[] = [];
    let length = 0;
    for (const value of values) {
      const size = encodeSearchValue(value).length + 1;
      if (current.length > 0 && (length + size > budget || current.length >= this.#options.batchPageSize)) {
        chunks.push(current);
        current = [];
        length = 0;
      }
      current.push(value);
      length += size;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  get batchPageSize(): number {
    return this.#options.batchPageSize;
  }

  async #page(resourceType: string, path: string, opts: CallOptions): Promise<SearchPage> {
    const body = await this.#upstream.getJson(path, opts);
    if (!isBundle(body)) {
      throw new UpstreamError(`Source '${this.sourceId}' answered a ${resourceType} search without a Bundle`, {
        code: 'UPSTREAM_BAD_RESPONSE',
        sourceId: this.sourceId,
      });
    }
    const resources: FhirResource[] = [];
    const included: FhirResource[] = [];
    // An upstream's Bundle is untrusted JSON: entries, links and total of the wrong shape are skipped, never a TypeError.
    for (const entry of Array.isArray(body.entry) ? body.entry : []) {
      const r: unknown = typeof entry === 'object' && entry !== null ? entry.resource : undefined;
      if (typeof r !== 'object' || r === null || typeof (r as FhirResource).resourceType !== 'string') continue;
      const resource = r as FhirResource;
      const mode = typeof entry.search === 'object' && entry.search !== null ? entry.search.mode : undefined;
      if (resource.resourceType === resourceType && (mode === undefined || mode === 'match')) resources.push(tagResource(resource, this.sourceId));
      else if (mode === 'include' || (mode === undefined && resource.resourceType !== 'OperationOutcome')) included.push(tagResource(resource, this.sourceId));
    }
    const total = typeof body.total === 'number' && Number.isSafeInteger(body.total) && body.total >= 0 ? body.total : undefined;
    return { resources, included, total, links: this.#links(body) };
  }

  #links(bundle: Bundle): SearchPage['links'] {
    const links: Partial<Record<'first' | 'previous' | 'next' | 'last' | 'self', string>> = {};
    for (const link of Array.isArray(bundle.link) ? bundle.link : []) {
      if (typeof link !== 'object' || link === null || typeof link.url !== 'string') continue;
      const relation = link.relation === 'prev' ? 'previous' : link.relation;
      if (relation === 'first' || relation === 'previous' || relation === 'next' || relation === 'last' || relation === 'self') {
        links[relation] = this.#relative(link.url);
      }
    }
    return links;
  }

  /** Link relative to baseUrl; links to anywhere else are dropped (never followed). */
  #relative(url: string): string {
    if (url.startsWith(this.baseUrl + '/')) return url.slice(this.baseUrl.length + 1);
    if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url.replace(/^\//, '');
    return url; // the UpstreamClient rejects absolute URLs outside the base
  }

  /**
   * The resource a successful create/update answered with. Servers may answer without it (`Prefer` ignored, an
   * OperationOutcome, an empty 201): then it is read back — the version the Location names, else the id.
   */
  async #written(response: UpstreamResponse, resourceType: string, id: string | undefined, opts: CallOptions): Promise<WriteResult> {
    const body = response.body as Partial<FhirResource> | undefined;
    const what = id === undefined ? `a create of ${resourceType}` : `an update of ${resourceType}/${id}`;
    if (typeof body === 'object' && body !== null && body.resourceType === resourceType) {
      if (typeof body.id !== 'string' || (id !== undefined && body.id !== id)) {
        throw this.#badWrite(`answered ${what} with ${resourceType}/${String(body.id ?? '(no id)')}`, response.status);
      }
      return { resource: tagResource(body as FhirResource, this.sourceId), status: response.status };
    }
    const location = this.#location(response.headers['location'] ?? response.headers['content-location'], resourceType);
    const target = location?.id ?? id;
    if (target === undefined) throw this.#badWrite(`answered ${what} with neither the resource nor a Location`, response.status);
    const resource = location?.versionId !== undefined
      ? await this.vread(resourceType, target, location.versionId, opts)
      : await this.read(resourceType, target, opts);
    return { resource, status: response.status };
  }

  /** `[base]/Type/id[/_history/v]` (absolute under the base URL, or relative) → id and version; else undefined. */
  #location(header: string | string[] | undefined, resourceType: string): { id: string; versionId?: string } | undefined {
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return undefined;
    let url: URL;
    try {
      url = new URL(value, this.baseUrl + '/');
    } catch {
      return undefined;
    }
    const full = url.origin + url.pathname;
    if (!full.startsWith(this.baseUrl + '/')) return undefined;
    const parsed = parseReference(full.slice(this.baseUrl.length + 1).replace(/\/$/, ''));
    if (parsed.kind !== 'relative' || parsed.resourceType !== resourceType) return undefined;
    return parsed.versionId === undefined ? { id: parsed.id } : { id: parsed.id, versionId: parsed.versionId };
  }

  #badWrite(reason: string, status: number): UpstreamError {
    return new UpstreamError(`Source '${this.sourceId}' ${reason}`, { code: 'UPSTREAM_BAD_RESPONSE', sourceId: this.sourceId, upstreamStatus: status });
  }

  #expectResource(body: Record<string, unknown>, resourceType: string, id: string): FhirResource {
    if (body['resourceType'] !== resourceType) {
      throw new UpstreamError(`Source '${this.sourceId}' answered a read of ${resourceType}/${id} with ${String(body['resourceType'] ?? 'no resource')}`, {
        code: 'UPSTREAM_BAD_RESPONSE',
        sourceId: this.sourceId,
      });
    }
    return tagResource(body as FhirResource, this.sourceId);
  }
}

function writeHeaders(opts: WriteOptions): Record<string, string> {
  const headers: Record<string, string> = { prefer: 'return=representation' };
  if (opts.ifMatch !== undefined) headers['if-match'] = opts.ifMatch;
  if (opts.ifNoneExist !== undefined) headers['if-none-exist'] = opts.ifNoneExist;
  return headers;
}

function callOptions(opts: CallOptions): CallOptions {
  return { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}) };
}
