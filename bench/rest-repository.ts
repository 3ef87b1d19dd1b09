// A REST-backed FhirRepository for Medplum's GraphQL engine (bench/medplum-peer-process.ts): every read and search
// the engine asks for becomes real HTTP requests to the upstream FHIR server (undici.request over one keep-alive
// Agent, as the gateway and the direct client use). Only what s3–s5 need is implemented; every write and history
// method throws. Nothing is cached across calls: Medplum's engine brings its own per-request DataLoader for reads.
//
//  - readResource(type, id)     GET Type/id (404 -> OperationOutcomeError not-found)
//  - readReferences(refs)       grouped by type: one id -> GET Type/id; several -> GET Type?_id=a,b,...&_count=n
//                               (the gateway's resource loader does the same); a missing id is an Error in its slot
//  - search(request)            GET Type + formatSearchQuery(request) (what MedplumClient.search sends): one page
//  - searchByReference(...)     the engine's batched reverse lookup (graphqlBatchedSearchSize > 0):
//                               GET Type?<param>=Ref/a,Ref/b,...&<other filters>&_count=500, every `next` page
//                               followed, then each match handed to the references it points at (the parameter's
//                               element path), at most `request.count` per reference (as Medplum's own server does)
import { formatSearchQuery, getSearchParameter, notFound, OperationOutcomeError, parseReference } from '@medplum/core';
import { FhirRepository } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import { Agent, request } from 'undici';

type SearchRequest = Parameters<FhirRepository['search']>[0];
type WithId<T> = T & { id: string };

/** Page size of the batched reverse search (the gateway's limits.maxCount, also its batch page). */
const BATCH_PAGE = 500;
const MAX_PAGES = 20;
/** References per batched search URL (s3–s5 need at most 20). */
const MAX_REFS_PER_URL = 100;

export interface RestRepositoryStats {
  /** HTTP requests sent to the upstream since the start (the upstream process counts them too). */
  requests: number;
}

const notImplemented = (what: string): never => {
  throw new Error(`bench REST repository: ${what} is not implemented (s3–s5 need reads and searches only)`);
};

export class RestRepository extends FhirRepository {
  readonly #base: string;
  readonly #agent: Agent;
  readonly stats: RestRepositoryStats = { requests: 0 };

  constructor(baseUrl: string, agent: Agent) {
    super();
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#agent = agent;
  }

  async #get<T>(pathOrUrl: string): Promise<T> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.#base}/${pathOrUrl}`;
    this.stats.requests++;
    const res = await request(url, { dispatcher: this.#agent, headers: { accept: 'application/fhir+json' } });
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new OperationOutcomeError(notFound);
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new Error(`GET ${url} -> ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    return (await res.body.json()) as T;
  }

  setMode(): void {
    // Reader/writer modes pick a database replica in Medplum's server; one upstream here.
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    return this.#get<WithId<T>>(`${resourceType}/${encodeURIComponent(id)}`);
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id] = parseReference(reference);
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    const byType = new Map<string, Set<string>>();
    const parsed = references.map((ref) => {
      try {
        const [type, id] = parseReference(ref);
        let ids = byType.get(type);
        if (!ids) byType.set(type, (ids = new Set()));
        ids.add(id);
        return { type, id } as const;
      } catch (error) {
        return error as Error;
      }
    });
    const found = new Map<string, T | Error>();
    await Promise.all(
      [...byType].map(async ([type, ids]) => {
        try {
          if (ids.size === 1) {
            const id = ids.values().next().value!;
            found.set(`${type}/${id}`, await this.readResource<T>(type, id));
            return;
          }
          const list = [...ids];
          const bundle = await this.#get<Bundle<WithId<T>>>(`${type}?_id=${list.map(encodeURIComponent).join(',')}&_count=${list.length}`);
          for (const e of bundle.entry ?? []) if (e.resource) found.set(`${type}/${e.resource.id}`, e.resource);
        } catch (error) {
          for (const id of ids) found.set(`${type}/${id}`, error as Error);
        }
      }),
    );
    return parsed.map((p) => (p instanceof Error ? p : (found.get(`${p.type}/${p.id}`) ?? new OperationOutcomeError(notFound))));
  }

  async search<T extends Resource>(searchRequest: SearchRequest): Promise<Bundle<WithId<T>>> {
    return this.#get<Bundle<WithId<T>>>(`${searchRequest.resourceType}${formatSearchQuery(searchRequest)}`);
  }

  async searchByReference<T extends Resource>(searchRequest: SearchRequest, referenceField: string, references: string[]): Promise<Record<string, WithId<T>[]>> {
    const type = searchRequest.resourceType;
    const perReference = searchRequest.count ?? BATCH_PAGE;
    // The other filters and sort rules of the request, as MedplumClient would send them (count/offset are per reference).
    const rest = formatSearchQuery({ ...searchRequest, count: undefined, offset: undefined }).replace(/^\?/, '');
    const out: Record<string, WithId<T>[]> = Object.fromEntries(references.map((r) => [r, []]));
    const wanted = new Set(references);
    const path = referencePath(type, referenceField);
    const chunks: string[][] = [];
    for (let i = 0; i < references.length; i += MAX_REFS_PER_URL) chunks.push(references.slice(i, i + MAX_REFS_PER_URL));
    const pages = await Promise.all(
      chunks.map(async (chunk) => {
        const matches: WithId<T>[] = [];
        let url: string | undefined = `${type}?${referenceField}=${chunk.join(',')}${rest ? `&${rest}` : ''}&_count=${BATCH_PAGE}`;
        for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
          const bundle: Bundle<WithId<T>> = await this.#get(url);
          for (const e of bundle.entry ?? []) if (e.resource) matches.push(e.resource);
          url = bundle.link?.find((l) => l.relation === 'next')?.url;
        }
        return matches;
      }),
    );
    for (const resource of pages.flat()) {
      for (const ref of referencesAt(resource, path)) {
        const list = wanted.has(ref) ? out[ref] : undefined;
        if (list && list.length < perReference && list[list.length - 1] !== resource) list.push(resource);
      }
    }
    return out;
  }

  // Everything else is not needed by s3–s5.
  createResource<T extends Resource>(): Promise<WithId<T>> { return notImplemented('createResource'); }
  generateId(): string { return notImplemented('generateId'); }
  readHistory<T extends Resource>(): Promise<Bundle<WithId<T>>> { return notImplemented('readHistory'); }
  readVersion<T extends Resource>(): Promise<WithId<T>> { return notImplemented('readVersion'); }
  updateResource<T extends Resource>(): Promise<WithId<T>> { return notImplemented('updateResource'); }
  deleteResource(): Promise<void> { return notImplemented('deleteResource'); }
  patchResource<T extends Resource>(): Promise<WithId<T>> { return notImplemented('patchResource'); }
  withTransaction<TResult>(): Promise<TResult> { return notImplemented('withTransaction'); }
}

/** The element path of a reference search parameter on `type` (`Observation.subject` -> ['subject']). */
function referencePath(type: string, code: string): string[] {
  const expression = getSearchParameter(type, code)?.expression ?? '';
  for (const part of expression.split('|').map((s) => s.trim())) {
    const m = new RegExp(`^${type}\\.([A-Za-z.]+)$`).exec(part);
    if (m) return m[1]!.split('.');
  }
  throw new Error(`bench REST repository: no simple element path for ${type}.${code} (${expression})`);
}

function referencesAt(resource: unknown, path: readonly string[]): string[] {
  let values: unknown[] = [resource];
  for (const step of path) values = values.flatMap((v) => (v && typeof v === 'object' ? [(v as Record<string, unknown>)[step]].flat() : [])).filter((v) => v != null);
  return values.flatMap((v) => (typeof (v as Reference).reference === 'string' ? [(v as Reference).reference!] : []));
}
