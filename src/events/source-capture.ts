import type { ChangeFeed, NewChange } from '../fhir/change-event.ts';
import type { FhirClient } from '../sources/fhir-client.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { actionOf } from './change-action.ts';
import type { CaptureState } from './capture-state.ts';
import type { DeleteChange } from './delete-dedupe.ts';
import type { NotifiedChange } from './notification.ts';
import { historyItems, historyStub, type HistoryItem } from './type-history.ts';
import { advance, asWatermark, EMPTY_WATERMARK, isNew, sinceQuery, versionKey, type Watermark } from './watermark.ts';

export type CaptureLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface SourceCaptureOptions {
  readonly sourceId: string;
  readonly client: FhirClient;
  readonly feed: Pick<ChangeFeed, 'record'>;
  readonly state: CaptureState;
  /** Resources asked for per page of a `_lastUpdated` search (default 100). */
  readonly pageSize?: number;
  /** Pages followed by one catch-up of one type; the next one continues from the watermark (default 100). */
  readonly maxPages?: number;
  /** Where a source that cannot show deletes (no type history) is reported, once per type. */
  readonly log?: CaptureLog;
  /**
   * How loud that report is: 'warn' when reads are all there is (polling), 'info' when notifications tell of deletes
   * and only catch-ups miss them (default 'warn').
   */
  readonly noHistoryLevel?: 'info' | 'warn';
}

/** Statuses with which a server says it has no type-level history (then `_lastUpdated` searches are used). */
const NO_HISTORY = new Set([400, 403, 404, 405, 410, 501]);

const TYPE_STREAM = 'type:';

/**
 * Change capture of one source, whatever tells it of changes (notifications, polling): turns what the source says
 * changed into change events (reading what a notification only names), records them in the change log, and keeps a
 * `_lastUpdated` watermark per resource type in the database, so that what was missed — a gap, an empty notification,
 * a poll, the time the gateway was down — is read from there: with the type's history (`_history?_since=`), which
 * shows deletes, where the source has it, else with a `_lastUpdated` search, which does not. All of a source's work
 * runs one piece at a time (`exclusive`): events are logged in the order they were learnt, and a watermark never
 * races itself.
 */
export class SourceCapture {
  readonly sourceId: string;
  readonly client: FhirClient;
  readonly #feed: Pick<ChangeFeed, 'record'>;
  readonly #state: CaptureState;
  readonly #pageSize: number;
  readonly #maxPages: number;
  readonly #watermarks = new Map<string, Watermark>();
  readonly #log: CaptureLog;
  readonly #noHistoryLevel: 'info' | 'warn';
  /** The types the CapabilityStatement declares history-type for; undefined until it is read (history is tried). */
  #historyTypes: ReadonlySet<string> | undefined;
  /** Types whose history the source refused, or does not declare, and which were reported (until capabilities change). */
  readonly #noHistory = new Set<string>();
  readonly #stop = new AbortController();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SourceCaptureOptions) {
    this.sourceId = options.sourceId;
    this.client = options.client;
    this.#feed = options.feed;
    this.#state = options.state;
    this.#pageSize = options.pageSize ?? 100;
    this.#maxPages = options.maxPages ?? 100;
    this.#log = options.log ?? (() => undefined);
    this.#noHistoryLevel = options.noHistoryLevel ?? 'warn';
  }

  /**
   * The source's CapabilityStatement was read (at start, at each refresh): the types whose history (and so deletes)
   * it can show. When that changed, the types found without history are tried (and reported) again.
   */
  setHistoryTypes(types: ReadonlySet<string>): void {
    const before = this.#historyTypes;
    this.#historyTypes = types;
    if (before === undefined || before.size !== types.size || [...types].some((t) => !before.has(t))) this.#noHistory.clear();
  }

  /** Aborted when the gateway stops: upstream calls under way end. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Runs `fn` after every earlier piece of this source's work has settled. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The types with a watermark (captured before, or watched). */
  async watchedTypes(): Promise<string[]> {
    const stored = await this.#state.all<unknown>(this.sourceId, TYPE_STREAM);
    return [...new Set([...stored.keys(), ...this.#watermarks.keys()])];
  }

  /**
   * Makes sure a type has a watermark. The first time, it is the newest resource the source holds (`_sort=-_lastUpdated`):
   * what exists before the gateway first watched the type is not a change.
   */
  async baseline(resourceType: string): Promise<void> {
    if ((await this.#watermark(resourceType)) !== undefined) return;
    const page = await this.client.search(resourceType, [['_sort', '-_lastUpdated'], ['_count', '1']], { signal: this.signal });
    const newest = page.resources[0]?.meta?.lastUpdated;
    await this.#save(resourceType, typeof newest === 'string' ? { lastUpdated: newest, seen: null } : EMPTY_WATERMARK);
  }

  /**
   * Reads what changed in a type since its watermark and records the versions not captured yet, moving the watermark
   * on as it goes: from the type's history where the source has one (deletes included), else by `_lastUpdated`
   * search (deletes unseen). A type without a watermark gets its baseline instead. Returns how many changes were
   * recorded.
   */
  async catchUp(resourceType: string): Promise<number> {
    const start = await this.#watermark(resourceType);
    if (start === undefined) {
      await this.baseline(resourceType);
      return 0;
    }
    if (this.#historyTypes !== undefined && !this.#historyTypes.has(resourceType)) {
      this.#noDeletes(resourceType, `does not declare the history-type interaction for ${resourceType} in its CapabilityStatement`);
    } else if (!this.#noHistory.has(resourceType)) {
      try {
        return await this.#catchUpHistory(resourceType, start);
      } catch (error) {
        const status = error instanceof UpstreamError ? error.upstreamStatus : undefined;
        if (status === undefined || !NO_HISTORY.has(status)) throw error;
        this.#noDeletes(resourceType, `answered ${status} to ${resourceType}/_history`);
      }
    }
    return this.#catchUpSearch(resourceType, start);
  }

  /** Reported once per type (until the capabilities change): this source's deletes of a type cannot be read. */
  #noDeletes(resourceType: string, why: string): void {
    if (this.#noHistory.has(resourceType)) return;
    this.#noHistory.add(resourceType);
    this.#log(this.#noHistoryLevel, `change capture: source '${this.sourceId}' ${why}: changes of ${resourceType} are read with _lastUpdated searches, which do not see deletes`);
  }

  /**
   * The type's history since the watermark (`_history?_since=`, inclusive, paged newest first as FHIR lists it),
   * recorded oldest first: each version once, deletes (entries without a resource, request.method DELETE) included.
   */
  async #catchUpHistory(resourceType: string, start: Watermark): Promise<number> {
    const since = start.lastUpdated === null ? '' : `_since=${encodeURIComponent(start.lastUpdated)}&`;
    let path = `${resourceType}/_history?${since}_count=${this.#pageSize}`;
    const items: HistoryItem[] = [];
    for (let n = 1; ; n++) {
      const answer = await this.client.exchange({ method: 'GET', path }, { signal: this.signal });
      items.push(...historyItems(answer.body, resourceType));
      const next = nextLink(answer.body, this.client.baseUrl);
      if (next === undefined) break;
      if (n >= this.#maxPages) {
        this.#log('warn', `change capture: source '${this.sourceId}' has more than ${n} pages of ${resourceType} history since ${start.lastUpdated ?? 'the start'}: the older ones were not read`);
        break;
      }
      path = next;
    }
    const taken = new Set<string>();
    const fresh = items.reverse().filter((item) => {
      const stub = historyStub(item);
      const key = versionKey(stub);
      if (!isNew(start, stub) || taken.has(key)) return false;
      taken.add(key);
      return true;
    });
    for (let i = 0; i < fresh.length; i += this.#pageSize) {
      const chunk = fresh.slice(i, i + this.#pageSize);
      const changes: NewChange[] = [];
      for (const item of chunk) changes.push(item.resource === null ? this.#deleteOf(item) : await this.#changeOf(item.resource, item.action));
      await this.record(changes, chunk.map(historyStub));
    }
    return fresh.length;
  }

  #deleteOf(item: HistoryItem): DeleteChange {
    const { resourceType, id, versionId, lastUpdated } = item;
    return { action: 'delete', sourceId: this.sourceId, resourceType, id, versionId, resource: null, previous: null, ...(lastUpdated !== undefined && { deletedAt: lastUpdated }) };
  }

  /** `_lastUpdated=ge…&_sort=_lastUpdated`, paged: the latest version of each resource changed since, no deletes. */
  async #catchUpSearch(resourceType: string, start: Watermark): Promise<number> {
    const query = [...sinceQuery(start), ['_sort', '_lastUpdated'], ['_count', String(this.#pageSize)]] as const;
    let page = await this.client.search(resourceType, query, { signal: this.signal });
    let recorded = 0;
    const taken = new Set<string>();
    for (let n = 1; ; n++) {
      // New against the watermark the search started from: a source's next page may hold older instants than this one.
      const fresh = page.resources.filter((r) => isNew(start, r) && typeof r.id === 'string' && !taken.has(`${r.id}|${r.meta?.versionId}`));
      for (const r of fresh) taken.add(`${r.id}|${r.meta?.versionId}`);
      const changes: NewChange[] = [];
      for (const resource of fresh) changes.push(await this.#changeOf(resource, undefined));
      await this.record(changes, page.resources);
      recorded += changes.length;
      if (page.links.next === undefined || n >= this.#maxPages) return recorded;
      page = await this.client.searchLink(resourceType, page.links.next, { signal: this.signal });
    }
  }

  /**
   * The changes a notification names, as events: the resources it carries; the ones it names only by id read from the
   * source (gone there: a delete). Returns how many were recorded (new to the log or not).
   */
  async apply(notified: readonly NotifiedChange[]): Promise<number> {
    const changes: NewChange[] = [];
    for (const n of notified) {
      if (n.action === 'delete') {
        changes.push({ action: 'delete', sourceId: this.sourceId, resourceType: n.resourceType, id: n.id, versionId: null, resource: null, previous: n.resource });
        continue;
      }
      let resource = n.resource;
      if (resource === null) {
        try {
          resource = await this.client.read(n.resourceType, n.id, { signal: this.signal });
        } catch (error) {
          if ((error as GatewayError).code !== 'NOT_FOUND') throw error;
          changes.push({ action: 'delete', sourceId: this.sourceId, resourceType: n.resourceType, id: n.id, versionId: null, resource: null, previous: null });
          continue;
        }
        changes.push(await this.#changeOf(resource, undefined)); // the version read may be later than the one notified
      } else {
        changes.push(await this.#changeOf(resource, n.action));
      }
    }
    await this.record(changes, changes.flatMap((c) => (c.resource === null ? [] : [c.resource])));
    return changes.length;
  }

  /** Whether the source has the resource now (a read; false when it answers not found or gone). */
  async exists(resourceType: string, id: string): Promise<boolean> {
    try {
      await this.client.read(resourceType, id, { signal: this.signal });
      return true;
    } catch (error) {
      if ((error as GatewayError).code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  /** Records changes (committed before this resolves), then moves the watermarks of the resources' types on. */
  async record(changes: readonly NewChange[], seen: readonly FhirResource[]): Promise<void> {
    if (changes.length > 0) await this.#feed.record(changes);
    const moved = new Map<string, Watermark>();
    for (const resource of seen) {
      const type = resource.resourceType;
      const before = moved.get(type) ?? (await this.#watermark(type)) ?? EMPTY_WATERMARK;
      const after = advance(before, resource);
      if (after !== before) moved.set(type, after);
    }
    for (const [type, watermark] of moved) await this.#save(type, watermark);
  }

  async #changeOf(resource: FhirResource, action: NewChange['action'] | undefined): Promise<NewChange> {
    const { resourceType, id } = resource as FhirResource & { id: string };
    return {
      action: action ?? (await actionOf(this.client, resource, this.signal)),
      sourceId: this.sourceId,
      resourceType,
      id,
      versionId: resource.meta?.versionId ?? null,
      resource,
      previous: null,
    };
  }

  async #watermark(resourceType: string): Promise<Watermark | undefined> {
    const known = this.#watermarks.get(resourceType);
    if (known !== undefined) return known;
    const stored = asWatermark(await this.#state.get<unknown>(this.sourceId, `${TYPE_STREAM}${resourceType}`));
    if (stored !== undefined) this.#watermarks.set(resourceType, stored);
    return stored;
  }

  async #save(resourceType: string, watermark: Watermark): Promise<void> {
    await this.#state.put(this.sourceId, `${TYPE_STREAM}${resourceType}`, watermark);
    this.#watermarks.set(resourceType, watermark);
  }

  /** Ends the upstream calls under way, then waits for the work queued. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#queue;
  }
}

/** A Bundle's `next` link, relative to the source's base URL (undefined when there is none). */
function nextLink(bundle: unknown, baseUrl: string): string | undefined {
  const links = (bundle as { link?: unknown } | undefined)?.link;
  const next = Array.isArray(links) ? links.find((l) => (l as { relation?: unknown } | null)?.relation === 'next') as { url?: unknown } | undefined : undefined;
  if (typeof next?.url !== 'string') return undefined;
  return next.url.startsWith(`${baseUrl}/`) ? next.url.slice(baseUrl.length + 1) : next.url.replace(/^\//, '');
}
