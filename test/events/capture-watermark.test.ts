// The `_lastUpdated` watermark of one source's capture (src/events/source-capture.ts, watermark.ts), against a small
// scripted source whose clock the test sets: the first look at a type is a baseline (nothing old is a change), then
// every version is recorded once — across pages, when many share one instant, and across a restart on the same
// database — and the searches ask for exactly what is not captured yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { NewChange } from '../../src/fhir/change-event.ts';
import { CaptureState } from '../../src/events/capture-state.ts';
import { SourceCapture } from '../../src/events/source-capture.ts';
import type { FhirClient, SearchPage } from '../../src/sources/fhir-client.ts';
import type { FhirResource } from '../../src/sources/fhir-types.ts';
import type { SearchQuery } from '../../src/sources/search-query.ts';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';

/** A source that answers `_lastUpdated` searches over what the test put in it, sorted, paged by offset; no history. */
function scriptedSource() {
  const resources: FhirResource[] = [];
  const searches: string[] = [];
  const answer = (type: string, query: SearchQuery, offset: number): SearchPage => {
    const get = (name: string) => query.find(([n]) => n === name)?.[1];
    const since = get('_lastUpdated');
    const sort = get('_sort');
    const count = Number(get('_count') ?? 1000);
    let matches = resources.filter((r) => r.resourceType === type);
    if (since !== undefined) {
      const at = Date.parse(since.slice(2));
      matches = matches.filter((r) => (since.startsWith('gt') ? Date.parse(r.meta!.lastUpdated!) > at : Date.parse(r.meta!.lastUpdated!) >= at));
    }
    matches.sort((a, b) => Date.parse(a.meta!.lastUpdated!) - Date.parse(b.meta!.lastUpdated!));
    if (sort === '-_lastUpdated') matches.reverse();
    const page = matches.slice(offset, offset + count);
    const more = offset + count < matches.length;
    return { resources: page.map((r) => structuredClone(r)), included: [], total: matches.length, links: more ? { next: JSON.stringify({ type, query, offset: offset + count }) } : {} };
  };
  const client = {
    sourceId: 's',
    async search(type: string, query: SearchQuery) {
      searches.push(query.map(([n, v]) => `${n}=${v}`).join('&'));
      return answer(type, query, 0);
    },
    // no type-level history, as Medplum: `GET Patient/_history` is 404 (the capture falls back to these searches)
    async exchange() {
      throw new UpstreamError('Not found', { code: 'NOT_FOUND', sourceId: 's', upstreamStatus: 404 });
    },
    async searchLink(_type: string, link: string) {
      const { type, query, offset } = JSON.parse(link) as { type: string; query: SearchQuery; offset: number };
      searches.push(`…offset=${offset}`);
      return answer(type, query, offset);
    },
  } as unknown as FhirClient;
  let n = 0;
  const put = (id: string, at: string, versionId = '1') => {
    const i = resources.findIndex((r) => r.id === id);
    const resource: FhirResource = { resourceType: 'Patient', id, meta: { versionId, lastUpdated: at }, name: [{ family: `${id}-v${versionId}-${n++}` }] };
    if (i >= 0) resources[i] = resource;
    else resources.push(resource);
  };
  return { client, searches, put };
}

let db: Db;
beforeAll(async () => {
  db = await openDatabase(':memory:');
});
afterAll(() => db?.close());

function captureOf(client: FhirClient, state: CaptureState, recorded: NewChange[]) {
  return new SourceCapture({ sourceId: 's', client, state, pageSize: 2, feed: { record: async (changes) => void recorded.push(...changes) } });
}
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const keys = (changes: NewChange[]) => changes.map((c) => `${c.action} ${c.id}@${c.versionId}`);

describe('the _lastUpdated watermark', () => {
  it('a baseline first, then every version once: across pages, within one instant, across a restart', async () => {
    const source = scriptedSource();
    for (const id of ['old1', 'old2', 'old3']) source.put(id, T(1));
    source.put('old4', T(2));
    const state = new CaptureState(Promise.resolve(db));
    const recorded: NewChange[] = [];
    const capture = captureOf(source.client, state, recorded);

    expect(await capture.catchUp('Patient')).toBe(0); // the baseline: the newest resource there is
    expect(source.searches).toEqual(['_sort=-_lastUpdated&_count=1']);
    expect(await capture.catchUp('Patient')).toBe(0);
    expect(source.searches.at(-1)).toBe(`_lastUpdated=gt${T(2)}&_sort=_lastUpdated&_count=2`);

    for (const id of ['a', 'b', 'c', 'd', 'e']) source.put(id, T(3)); // five writes within one clock tick
    source.searches.length = 0;
    expect(await capture.catchUp('Patient')).toBe(5);
    expect(keys(recorded)).toEqual(['create a@1', 'create b@1', 'create c@1', 'create d@1', 'create e@1']);
    expect(source.searches).toEqual([`_lastUpdated=gt${T(2)}&_sort=_lastUpdated&_count=2`, '…offset=2', '…offset=4']);

    source.searches.length = 0;
    expect(await capture.catchUp('Patient')).toBe(0); // asks from that tick again (ge), and knows what it holds
    expect(source.searches[0]).toBe(`_lastUpdated=ge${T(3)}&_sort=_lastUpdated&_count=2`);

    source.put('f', T(3)); // a sixth in the same tick, after the search
    source.put('b', T(4), '2');
    expect(await capture.catchUp('Patient')).toBe(2);
    expect(keys(recorded.slice(5))).toEqual(['create f@1', 'update b@2']);

    // a new process on the same database: nothing again, then what is new
    const after: NewChange[] = [];
    const restarted = captureOf(source.client, new CaptureState(Promise.resolve(db)), after);
    expect(await restarted.catchUp('Patient')).toBe(0);
    source.put('g', T(5));
    expect(await restarted.catchUp('Patient')).toBe(1);
    expect(keys(after)).toEqual(['create g@1']);
    expect(await restarted.watchedTypes()).toEqual(['Patient']);
  });

  it('a type that was empty at its baseline: everything that appears is new', async () => {
    const source = scriptedSource();
    const recorded: NewChange[] = [];
    const capture = new SourceCapture({ sourceId: 'empty', client: source.client, state: new CaptureState(Promise.resolve(db)), feed: { record: async (c) => void recorded.push(...c) } });
    await capture.baseline('Patient');
    source.put('x', T(1));
    source.put('y', T(1), '3');
    expect(await capture.catchUp('Patient')).toBe(2);
    expect(keys(recorded)).toEqual(['create x@1', 'update y@3']);
    expect(source.searches.at(-1)).toBe('_sort=_lastUpdated&_count=100');
  });

  it('a change the log could not take is read again: the watermark moves only after the record', async () => {
    const source = scriptedSource();
    const state = new CaptureState(Promise.resolve(db));
    let fail = true;
    const recorded: NewChange[] = [];
    const capture = new SourceCapture({
      sourceId: 'flaky', client: source.client, state,
      feed: { record: async (c) => { if (fail) throw new Error('log down'); recorded.push(...c); } },
    });
    await capture.baseline('Patient');
    source.put('p', T(1));
    await expect(capture.catchUp('Patient')).rejects.toThrow('log down');
    fail = false;
    expect(await capture.catchUp('Patient')).toBe(1);
    expect(keys(recorded)).toEqual(['create p@1']);
  });
});
