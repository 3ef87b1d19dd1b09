// Forged cursors (finding 6): cursors were unsigned base64 JSON, so a forged one got past the cost limit (203
// patients where 20 were estimated), added its own upstream parameters (`_include`, `_revinclude`), and on REST got
// `_count=1000` past the 500 cap. Now they are HMAC-signed and bound to their search and page size
// (src/fhir/cursors.ts, search.ts, federated-search.ts, reverse.ts, history.ts): forged, altered (payload edited, MAC
// kept) or replayed on another search is BAD_USER_INPUT with nothing sent upstream; genuine cursors still page.
// GraphQL reports it as a field error (HTTP 200, the field null: field errors never change the status); REST as 400.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectNothingUpstream, expectOutcome, jsonOf } from './hostile-helpers.ts';

type Json = Record<string, any>;

const payloadOf = (cursor: string): Json => JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8'));
/** The cursor with its payload edited and its MAC kept. */
const altered = (cursor: string, edit: (payload: Json) => Json): string =>
  `${Buffer.from(JSON.stringify(edit(payloadOf(cursor)))).toString('base64url')}.${cursor.split('.')[1]}`;
/** A cursor made up from scratch, in the format of the old unsigned ones and of the signed ones. */
const forgedCursors = (payload: Json): string[] => {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return [body, `${body}.${'A'.repeat(22)}`, `${body}.`, `.${'A'.repeat(22)}`, 'x'.repeat(10_000), '💥.💥', ''.padEnd(9000, '.')];
};

/** A GraphQL Connection request whose field error must be BAD_USER_INPUT with the field null. */
async function expectCursorRefused(f: Fixture, query: string, field: string[]): Promise<string> {
  f.resetCalls();
  const r = await f.gql<Json>(query);
  expect(r.status).toBe(200);
  expect(r.errors?.map((e) => e.extensions?.['code']), JSON.stringify(r)).toEqual(['BAD_USER_INPUT']);
  expect(r.errors![0]!.path).toEqual(field);
  expect(r.errors![0]!.message).toMatch(/_cursor/);
  expect(r.errors![0]!.extensions?.['resource']?.issue?.[0]?.code).toBe('invalid');
  let value: any = r.data;
  for (const key of field) value = value?.[key];
  expect(value ?? null).toBeNull();
  // nothing past the parent reads went upstream: no search at all
  expect(f.calls().filter((c) => c.url.includes('?')).map((c) => c.url)).toEqual([]);
  return r.errors![0]!.message;
}

describe('signed cursors', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({
      env: { NODE_ENV: 'production' },
      sources: { a: { patients: 12, idPrefix: 'a' }, b: { patients: 12, idPrefix: 'b' } },
    });
  });
  afterAll(() => f?.stop());
  beforeEach(() => f.resetCalls());

  describe('GraphQL Connection, one source', () => {
    const page = (args: string) => `{ PatientConnection(sourceId: "a"${args}) { count next edges { resource { id } } } }`;
    let next: string;
    beforeAll(async () => {
      const r = await f.gql<Json>(page(', _count: 5'));
      next = r.data!.PatientConnection.next;
      expect(payloadOf(next)).toEqual({ l: expect.stringMatching(/^Patient\?/), n: 5 });
    });

    it('a genuine cursor pages on, asking the source for exactly its own link', async () => {
      const r = await f.gql<Json>(page(`, _count: 5, _cursor: ${JSON.stringify(next)}`));
      expect(r.errors).toBeUndefined();
      expect(r.data!.PatientConnection.edges.map((e: Json) => e.resource.id)).toEqual(['a-pat-0006', 'a-pat-0007', 'a-pat-0008', 'a-pat-0009', 'a-pat-0010']);
      expect(f.calls('a').map((c) => c.url)).toEqual([`/${payloadOf(next)['l']}`]);
    });

    it('altered payloads — a larger page, _include / _revinclude, another type, another n — are refused, nothing upstream', async () => {
      const edits: Array<(p: Json) => Json> = [
        (p) => ({ ...p, l: 'Patient?_count=1000&_offset=5' }),
        (p) => ({ ...p, l: `${p['l']}&_include=*&_revinclude=*` }),
        (p) => ({ ...p, l: 'Observation?_count=5&_offset=5' }),
        (p) => ({ ...p, l: '../../admin?_count=5' }),
        (p) => ({ ...p, n: 500 }),
        (p) => ({ ...p, l: 'Patient?_count=203', n: 203 }),
      ];
      for (const edit of edits) {
        await expectCursorRefused(f, page(`, _count: 5, _cursor: ${JSON.stringify(altered(next, edit))}`), ['PatientConnection']);
      }
    });

    it('forged cursors (the old unsigned format, made-up MACs, junk, 10 KB) are refused, nothing upstream', async () => {
      for (const cursor of forgedCursors({ l: 'Patient?_count=203&_revinclude=*', n: 20 })) {
        await expectCursorRefused(f, page(`, _cursor: ${JSON.stringify(cursor)}`), ['PatientConnection']);
      }
    });

    it('replayed on another search (other filters, other type, other source) it is refused', async () => {
      for (const other of [
        `{ PatientConnection(sourceId: "a", gender: "male", _count: 5, _cursor: ${JSON.stringify(next)}) { count } }`,
        `{ PatientConnection(sourceId: "b", _count: 5, _cursor: ${JSON.stringify(next)}) { count } }`,
        `{ PatientConnection(_count: 5, _cursor: ${JSON.stringify(next)}) { count } }`,
      ]) {
        await expectCursorRefused(f, other, ['PatientConnection']);
      }
      await expectCursorRefused(f, `{ ObservationConnection(sourceId: "a", _count: 5, _cursor: ${JSON.stringify(next)}) { count } }`, ['ObservationConnection']);
    });

    it('a cursor issued for _count 5 is refused with _count 20 or 500 (the cost was estimated from _count), naming its size', async () => {
      for (const count of [20, 500]) {
        const message = await expectCursorRefused(f, page(`, _count: ${count}, _cursor: ${JSON.stringify(next)}`), ['PatientConnection']);
        expect(message).toMatch(/_count: 5/);
      }
    });
  });

  describe('GraphQL Connection over two sources (merged)', () => {
    const page = (args: string) => `{ PatientConnection(_count: 4${args}) { count next previous last edges { resource { id sourceId } } } }`;
    let first: Json;
    beforeAll(async () => {
      first = (await f.gql<Json>(page(''))).data!.PatientConnection;
      expect(payloadOf(first.next)).toEqual({ p: { a: 2, b: 2 } });
    });

    it('a genuine cursor pages on from every source\'s position', async () => {
      const r = await f.gql<Json>(page(`, _cursor: ${JSON.stringify(first.next)}`));
      expect(r.errors).toBeUndefined();
      expect(r.data!.PatientConnection.edges.map((e: Json) => e.resource.id)).toEqual(['a-pat-0003', 'b-pat-0003', 'a-pat-0004', 'b-pat-0004']);
      expect(f.calls().map((c) => c.url).sort()).toEqual(['/Patient?_count=4&_offset=2', '/Patient?_count=4&_offset=2']);
    });

    it('a genuine cursor used with another _count pages by that _count (never by the cursor): what the cost estimate counted', async () => {
      const r = await f.gql<Json>(page('').replace('_count: 4', `_count: 2, _cursor: ${JSON.stringify(first.next)}`));
      expect(r.errors).toBeUndefined();
      expect(r.data!.PatientConnection.edges).toHaveLength(2);
      for (const call of f.calls()) expect(call.url).toMatch(/_count=2(&|$)/);
    });

    it('altered positions (far offsets, a source missing or added, backwards, exhausted) are refused, nothing upstream', async () => {
      const edits: Array<(p: Json) => Json> = [
        () => ({ p: { a: 1_000_000, b: 2 } }),
        () => ({ p: { a: 2 } }),
        () => ({ p: { a: 2, b: 2, c: 0 } }),
        (p) => ({ ...p, b: 1 }),
        (p) => ({ ...p, x: ['a'] }),
        () => ({ p: { a: -5, b: 2 } }),
      ];
      for (const edit of edits) {
        await expectCursorRefused(f, page(`, _cursor: ${JSON.stringify(altered(first.next, edit))}`), ['PatientConnection']);
      }
      for (const cursor of forgedCursors({ p: { a: 0, b: 0 } })) {
        await expectCursorRefused(f, page(`, _cursor: ${JSON.stringify(cursor)}`), ['PatientConnection']);
      }
    });

    it('replayed on another search (filters, sort, type, one source) it is refused', async () => {
      const cursor = JSON.stringify(first.next);
      await expectCursorRefused(f, `{ PatientConnection(_count: 4, gender: "female", _cursor: ${cursor}) { count } }`, ['PatientConnection']);
      await expectCursorRefused(f, `{ PatientConnection(_count: 4, _sort: "birthdate", _cursor: ${cursor}) { count } }`, ['PatientConnection']);
      await expectCursorRefused(f, `{ PatientConnection(_count: 4, sourceId: "a", _cursor: ${cursor}) { count } }`, ['PatientConnection']);
      await expectCursorRefused(f, `{ ObservationConnection(_count: 4, _cursor: ${cursor}) { count } }`, ['ObservationConnection']);
    });
  });

  describe('reverse-reference Connections', () => {
    const list = (args: string, param = 'subject') =>
      `{ Patient(id: "a-pat-0001", sourceId: "a") { ObservationConnection(_reference: ${param}, _count: 2${args}) { count next edges { resource { id } } } } }`;
    let next: string;
    beforeAll(async () => {
      const r = await f.gql<Json>(list(''));
      next = r.data!.Patient.ObservationConnection.next;
      expect(payloadOf(next)).toEqual({ o: 2 });
    });

    it('a genuine cursor pages on', async () => {
      const r = await f.gql<Json>(list(`, _cursor: ${JSON.stringify(next)}`));
      expect(r.errors).toBeUndefined();
      expect(r.data!.Patient.ObservationConnection.edges).toHaveLength(2);
    });

    it('altered, forged, or replayed on other filters or another reference parameter: refused', async () => {
      const field = ['Patient', 'ObservationConnection'];
      for (const cursor of [altered(next, () => ({ o: 1e9 })), altered(next, () => ({ o: -1 })), ...forgedCursors({ o: 4 })]) {
        await expectCursorRefused(f, list(`, _cursor: ${JSON.stringify(cursor)}`), field);
      }
      await expectCursorRefused(f, list(`, code: "8867-4", _cursor: ${JSON.stringify(next)}`), field);
      await expectCursorRefused(f, list(`, _cursor: ${JSON.stringify(next)}`, 'patient'), field);
      await expectCursorRefused(f, list(`, fhirpath: "true", _cursor: ${JSON.stringify(next)}`), field);
      // a root search's cursor is not a list cursor, and the other way round
      const root = (await f.gql<Json>('{ PatientConnection(sourceId: "a", _count: 5) { next } }')).data!.PatientConnection.next;
      await expectCursorRefused(f, list(`, _cursor: ${JSON.stringify(root)}`), field);
      await expectCursorRefused(f, `{ PatientConnection(sourceId: "a", _count: 5, _cursor: ${JSON.stringify(next)}) { count } }`, ['PatientConnection']);
    });
  });

  describe('REST search links', () => {
    let nextUrl: URL;
    let mergedNext: URL;
    beforeAll(async () => {
      const one = await jsonOf<Json>(f.fetch('/fhir/a/Patient?_count=5'));
      nextUrl = new URL(one.body.link.find((l: Json) => l.relation === 'next').url);
      const merged = await jsonOf<Json>(f.fetch('/fhir/Patient?_count=5'));
      mergedNext = new URL(merged.body.link.find((l: Json) => l.relation === 'next').url);
    });
    const withParams = (url: URL, edit: (p: URLSearchParams) => void) => {
      const copy = new URL(url);
      edit(copy.searchParams);
      return `${copy.pathname}?${copy.searchParams}`;
    };

    it('genuine next links work (one source and merged)', async () => {
      const one = await jsonOf<Json>(f.fetch(`${nextUrl.pathname}${nextUrl.search}`));
      expect(one.status).toBe(200);
      expect(one.body.entry.map((e: Json) => e.resource.id)).toEqual(['a-pat-0006', 'a-pat-0007', 'a-pat-0008', 'a-pat-0009', 'a-pat-0010']);
      const merged = await jsonOf<Json>(f.fetch(`${mergedNext.pathname}${mergedNext.search}`));
      expect(merged.status).toBe(200);
      expect(merged.body.entry).toHaveLength(5);
    });

    it('_count=1000 with a genuine cursor is refused (it was the way past the 500 cap), nothing upstream', async () => {
      f.resetCalls();
      const body = await expectOutcome(f.fetch(withParams(nextUrl, (p) => p.set('_count', '1000'))), 400, 'BAD_USER_INPUT', 'invalid');
      expect(body.issue.map((i) => i.diagnostics).join(' ')).toMatch(/_cursor/);
      expectNothingUpstream(f);
    });

    it('altered, forged and replayed cursors are 400 OperationOutcomes, nothing upstream (GET and POST _search)', async () => {
      const cursor = nextUrl.searchParams.get('_cursor')!;
      const bad = [
        withParams(nextUrl, (p) => p.set('_cursor', altered(cursor, (v) => ({ ...v, l: 'Patient?_count=1000&_offset=5' })))),
        withParams(nextUrl, (p) => p.set('_cursor', altered(cursor, (v) => ({ ...v, l: `${v['l']}&_revinclude=*` })))),
        ...forgedCursors({ l: 'Patient?_count=1000', n: 5 }).map((c) => withParams(nextUrl, (p) => p.set('_cursor', c))),
        withParams(nextUrl, (p) => p.set('family', 'Smith')),
        `/fhir/b/Patient?_count=5&_cursor=${encodeURIComponent(cursor)}`,
        `/fhir/a/Observation?_count=5&_cursor=${encodeURIComponent(cursor)}`,
        `/fhir/Patient?_count=5&_cursor=${encodeURIComponent(cursor)}`,
        withParams(mergedNext, (p) => p.set('_cursor', altered(p.get('_cursor')!, () => ({ p: { a: 900, b: 0 } })))),
        withParams(mergedNext, (p) => p.set('gender', 'male')),
        `/fhir/a/Patient?_count=5&_cursor=${encodeURIComponent(mergedNext.searchParams.get('_cursor')!)}`,
      ];
      for (const path of bad) {
        f.resetCalls();
        await expectOutcome(f.fetch(path), 400, 'BAD_USER_INPUT', 'invalid');
        expectNothingUpstream(f);
      }
      f.resetCalls();
      await expectOutcome(
        f.fetch('/fhir/a/Patient/_search', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `_count=5&_cursor=${encodeURIComponent(altered(cursor, (v) => ({ ...v, l: 'Patient?_count=1000' })))}`,
        }),
        400, 'BAD_USER_INPUT',
      );
      expectNothingUpstream(f);
    });
  });

  describe('REST history links', () => {
    // Medplum's history has no paging links: the upstream here answers history with a Bundle that has one, as a
    // paging server would, so that the gateway issues a cursor for it.
    const historyBundle = (base: string, path: string) => ({
      resourceType: 'Bundle',
      type: 'history',
      link: [{ relation: 'next', url: `${base}/${path}?_count=1&_page=2` }],
      entry: [{ resource: { resourceType: 'Patient', id: 'a-pat-0001', meta: { versionId: '1' } }, request: { method: 'PUT', url: 'Patient/a-pat-0001' }, response: { status: '200' } }],
    });
    let next: URL;
    beforeAll(async () => {
      const upstream = f.upstreams['a']!;
      upstream.setFault(({ url }) => {
        const m = /^\/(Patient(?:\/[^/?]+)?\/_history)/.exec(url);
        return m ? { kind: 'status', status: 200, body: JSON.stringify(historyBundle(upstream.baseUrl, m[1]!)), headers: { 'content-type': 'application/fhir+json' } } : undefined;
      });
      const r = await jsonOf<Json>(f.fetch('/fhir/a/Patient/a-pat-0001/_history?_count=1'));
      expect(r.status).toBe(200);
      next = new URL(r.body.link.find((l: Json) => l.relation === 'next').url);
      expect(next.origin + next.pathname).toBe(`${f.url}/fhir/a/Patient/a-pat-0001/_history`);
      expect(payloadOf(next.searchParams.get('_cursor')!)).toEqual({ s: 'a', l: 'Patient/a-pat-0001/_history?_count=1&_page=2' });
    });
    afterAll(() => f.upstreams['a']?.setFault(undefined));

    it('the genuine next link asks the source for exactly its own link', async () => {
      f.resetCalls();
      const r = await f.fetch(`${next.pathname}${next.search}`);
      expect(r.status).toBe(200);
      await r.text();
      expect(f.calls('a').map((c) => c.url)).toEqual(['/Patient/a-pat-0001/_history?_count=1&_page=2']);
    });

    it('altered, forged, or replayed on another resource\'s or the type\'s history: 400, nothing upstream', async () => {
      const cursor = next.searchParams.get('_cursor')!;
      const bad = [
        `${next.pathname}?_cursor=${altered(cursor, (v) => ({ ...v, l: 'Patient/a-pat-0001/_history?_count=1000' }))}`,
        `${next.pathname}?_cursor=${altered(cursor, (v) => ({ ...v, l: 'Patient/a-pat-0002/_history' }))}`,
        `${next.pathname}?_cursor=${altered(cursor, (v) => ({ ...v, s: 'b' }))}`,
        ...forgedCursors({ s: 'a', l: 'Patient/_history?_count=1000' }).map((c) => `${next.pathname}?_cursor=${encodeURIComponent(c)}`),
        `/fhir/a/Patient/a-pat-0002/_history?_cursor=${cursor}`,
        `/fhir/a/Patient/_history?_cursor=${cursor}`,
        `/fhir/b/Patient/a-pat-0001/_history?_cursor=${cursor}`,
        `/fhir/a/Observation/a-pat-0001/_history?_cursor=${cursor}`,
      ];
      for (const path of bad) {
        f.resetCalls();
        await expectOutcome(f.fetch(path), 400, 'BAD_USER_INPUT', 'invalid');
        expectNothingUpstream(f);
      }
    });
  });
});
