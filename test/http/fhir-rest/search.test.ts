// FHIR REST search through the shim (GET [base]/Type and POST [base]/Type/_search) over real sockets, against one
// and three real FHIR servers (Medplum in-memory over loopback HTTP): paging by `next`/`previous`/`last` visits every
// resource exactly once, `_sort` merges across sources, every `fullUrl` and link points at the gateway, `_include`/
// `_revinclude` give exactly the page's included resources, `_summary`/`_elements` shape the matches, bad result
// parameters are 400 OperationOutcomes, and a page of 500 resources streams complete.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../../helpers/fixture.ts';
import type { GatewayHandle } from '../../helpers/gateway.ts';
import { EXACT, expectOutcome, fhir, follow, held, includes, linkOf, matches, outcomes, take, type SearchBundle } from './rest-helpers.ts';

const SIZES = { a: 30, b: 25, c: 20 } as const;
type SourceId = keyof typeof SIZES;
const IDS = Object.keys(SIZES) as SourceId[];

/** A patient with a narrative (the synthetic ones have none), for `_summary=text` / `data`. */
const NARRATED = {
  resourceType: 'Patient',
  id: 'a-narr-1',
  meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Narrated Person</div>' },
  active: true,
  name: [{ family: 'Narrated', given: ['Nora'] }],
  gender: 'female',
  birthDate: '1970-05-05',
  maritalStatus: { text: 'married' },
  generalPractitioner: [{ reference: 'Practitioner/a-prac-001' }],
};

let f: Fixture;
/** What each upstream holds, read straight from its REST API. */
let patients: Record<SourceId, any[]>;
let observations: Record<SourceId, any[]>;
/** a, b, c */
let three: GatewayHandle;
/** a only */
let one: GatewayHandle;

const sourceOfId = (id: string) => id.slice(0, 1) as SourceId;
const key = (r: { resourceType: string; id: string }) => `${r.resourceType}/${r.id}`;
const allPatients = () => IDS.flatMap((s) => patients[s]);

beforeAll(async () => {
  const gateway = { ...EXACT, sourceDefaults: { ...EXACT.sourceDefaults, retries: 0 } };
  f = await startFixture({
    sources: Object.fromEntries(IDS.map((id) => [id, { patients: SIZES[id], seed: 7, idPrefix: id, ...(id === 'a' ? { resources: [NARRATED] } : {}) }])),
    async beforeGateway(up) {
      patients = Object.fromEntries(await Promise.all(IDS.map(async (s) => [s, await held(up[s]!, 'Patient')] as const))) as Record<SourceId, any[]>;
      observations = Object.fromEntries(await Promise.all(IDS.map(async (s) => [s, await held(up[s]!, 'Observation')] as const))) as Record<SourceId, any[]>;
    },
    ...gateway,
  });
  three = f.gateway;
  one = await f.addGateway({ only: ['a'], ...gateway });
});

beforeEach(() => f?.resetCalls());

afterAll(() => f?.stop());

async function search(url: string, init?: RequestInit): Promise<SearchBundle> {
  const res = await fhir<SearchBundle>(url, init);
  expect(res.status, res.text.slice(0, 500)).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
  return res.body;
}

const idsOf = (bundle: SearchBundle) => matches(bundle).map((e) => e.resource.id as string);

/** Every link of every page and every fullUrl points at the gateway `gw` (under /fhir). */
function expectGatewayUrls(gw: GatewayHandle, pages: readonly SearchBundle[]): void {
  for (const page of pages) {
    for (const link of page.link ?? []) expect(link.url.startsWith(`${gw.url}/fhir/`), link.url).toBe(true);
    for (const entry of page.entry ?? []) {
      if (entry.search?.mode === 'outcome') continue;
      expect(entry.fullUrl?.startsWith(`${gw.url}/fhir/`), entry.fullUrl).toBe(true);
    }
  }
}

describe('one source', () => {
  it('following `next` with _count=7 visits every patient exactly once, each page one upstream request', async () => {
    const first = await search(`${one.url}/fhir/Patient?_count=7`);
    const pages = await follow(first, 'next');
    const ids = pages.flatMap(idsOf);
    expect(ids).toHaveLength(patients.a.length);
    expect(new Set(ids)).toEqual(new Set(patients.a.map((p) => p.id)));
    expect(pages.map((p) => matches(p).length)).toEqual([7, 7, 7, 7, 3]);
    for (const page of pages) expect(page.total).toBe(patients.a.length);
    expectGatewayUrls(one, pages);
    for (const page of pages) {
      for (const e of matches(page)) expect(e.fullUrl).toBe(`${one.url}/fhir/Patient/${e.resource.id}`);
      for (const link of page.link!) expect(new URL(link.url).pathname).toBe('/fhir/Patient');
    }
    expect(f.calls('a')).toHaveLength(pages.length);
    expect(f.calls('b')).toHaveLength(0);
  });

  it('`previous` from the third page gives the second page again', async () => {
    const pages = await follow(await search(`${one.url}/fhir/Patient?_count=7`), 'next');
    const back = await search(linkOf(pages[2]!, 'previous')!);
    expect(idsOf(back)).toEqual(idsOf(pages[1]!));
    expect(linkOf(pages[0]!, 'previous')).toBeUndefined();
    expect(linkOf(pages.at(-1)!, 'next')).toBeUndefined();
  });

  it('_sort ascending and descending are the upstream\'s own order', async () => {
    for (const sort of ['birthdate', '-birthdate']) {
      const pages = await follow(await search(`${one.url}/fhir/Patient?_count=10&_sort=${sort}`), 'next');
      const dates = pages.flatMap((p) => matches(p).map((e) => e.resource.birthDate as string));
      const expected = patients.a.map((p) => p.birthDate as string).sort();
      expect(dates).toEqual(sort.startsWith('-') ? expected.reverse() : expected);
    }
  });

  it('a search parameter filters, and Bundle.total counts the matches', async () => {
    const bundle = await search(`${one.url}/fhir/Patient?gender=female&_count=100`);
    const females = patients.a.filter((p) => p.gender === 'female');
    expect(bundle.total).toBe(females.length);
    expect(new Set(idsOf(bundle))).toEqual(new Set(females.map((p) => p.id)));
  });

  it('_total=none leaves Bundle.total out', async () => {
    const bundle = await search(`${one.url}/fhir/Patient?_total=none&_count=5`);
    expect(bundle.total).toBeUndefined();
    expect(matches(bundle)).toHaveLength(5);
  });

  it('_include=Observation:subject: the subjects of the page\'s Observations, each once, mode include', async () => {
    const pages = await follow(await search(`${one.url}/fhir/Observation?_include=Observation:subject&_count=25`), 'next', 60);
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages.slice(0, 3)) {
      const subjects = new Set(matches(page).map((e) => e.resource.subject.reference as string));
      const inc = includes(page);
      expect(inc.map((e) => key(e.resource)).sort()).toEqual([...subjects].sort());
      for (const e of inc) expect(e.fullUrl).toBe(`${one.url}/fhir/${key(e.resource)}`);
      for (const e of matches(page)) expect(e.resource.resourceType).toBe('Observation');
    }
    expect(pages.flatMap(idsOf).sort()).toEqual(observations.a.map((o) => o.id).sort());
  });

  it('_revinclude=Observation:subject: exactly the Observations of the page\'s Patients', async () => {
    const page = await search(`${one.url}/fhir/Patient?_revinclude=Observation:subject&_count=4`);
    const mine = new Set(matches(page).map((e) => key(e.resource)));
    expect(mine.size).toBe(4);
    const expected = observations.a.filter((o) => mine.has(o.subject.reference)).map((o) => o.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(includes(page).map((e) => e.resource.id).sort()).toEqual(expected);
    for (const e of includes(page)) expect(e.resource.resourceType).toBe('Observation');
  });

  it('POST _search with a form body answers as the GET does, and links to GET URLs', async () => {
    const query = 'gender=male&_count=4&_sort=birthdate';
    const viaGet = await search(`${one.url}/fhir/Patient?${query}`);
    const viaPost = await search(`${one.url}/fhir/Patient/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: query,
    });
    expect(viaPost.total).toBe(viaGet.total);
    expect(viaPost.entry).toEqual(viaGet.entry);
    for (const link of viaPost.link!) expect(new URL(link.url).pathname).toBe('/fhir/Patient');
    const next = await search(linkOf(viaPost, 'next')!);
    const getNext = await search(linkOf(viaGet, 'next')!);
    expect(idsOf(next)).toEqual(idsOf(getNext));
  });
});

describe('three sources', () => {
  const forward = async (query: string) => follow(await search(`${three.url}/fhir/Patient?${query}`), 'next');
  const everyone = () => allPatients().map((p) => `${sourceOfId(p.id)}/${p.id}`).sort();
  const entryKeys = (pages: readonly SearchBundle[]) => pages.flatMap((p) => matches(p).map((e) => `${sourceOfId(e.resource.id)}/${e.resource.id}`));

  it('_count=11&_sort=birthdate: `next` visits every patient of the union exactly once, merged in order', async () => {
    const pages = await forward('_count=11&_sort=birthdate');
    const visited = entryKeys(pages);
    expect(visited).toHaveLength(everyone().length);
    expect([...visited].sort()).toEqual(everyone());
    const dates = pages.flatMap((p) => matches(p).map((e) => e.resource.birthDate as string));
    expect(dates).toEqual(allPatients().map((p) => p.birthDate as string).sort());
    for (const page of pages) expect(page.total).toBe(everyone().length);
    expect(pages.slice(0, -1).every((p) => matches(p).length === 11)).toBe(true);
    expectGatewayUrls(three, pages);
    // Each page asks each source at most once (a source known to be exhausted is not asked again).
    for (const id of IDS) expect(f.calls(id).length).toBeLessThanOrEqual(pages.length);
  });

  it('_sort=-birthdate is descending across sources', async () => {
    const pages = await forward('_count=13&_sort=-birthdate');
    const dates = pages.flatMap((p) => matches(p).map((e) => e.resource.birthDate as string));
    expect(dates).toEqual(allPatients().map((p) => p.birthDate as string).sort().reverse());
    expect(new Set(entryKeys(pages)).size).toBe(everyone().length);
  });

  it('_sort=family and _sort=-family merge by family name across sources', async () => {
    // (Medplum's MemoryRepository honours only one _sort key, so a two-key sort cannot be checked against it.)
    for (const sort of ['family', '-family']) {
      const pages = await forward(`_count=12&_sort=${sort}`);
      const got = pages.flatMap((p) => matches(p).map((e) => (e.resource.name[0].family as string).toLowerCase()));
      const want = allPatients().map((p) => (p.name[0].family as string).toLowerCase()).sort();
      expect(got).toEqual(sort.startsWith('-') ? want.reverse() : want);
      expect(new Set(entryKeys(pages)).size).toBe(everyone().length);
    }
  });

  it('without _sort, `next` still visits every patient exactly once', async () => {
    const pages = await forward('_count=9');
    const visited = entryKeys(pages);
    expect(visited).toHaveLength(everyone().length);
    expect([...visited].sort()).toEqual(everyone());
  });

  it('`previous` from the last forward page walks the same pages back; `first` returns to the start', async () => {
    const pages = await forward('_count=11&_sort=birthdate');
    const backward = await follow(pages.at(-1)!, 'previous');
    expect(backward.map(idsOf).reverse()).toEqual(pages.map(idsOf));
    const first = await search(linkOf(pages.at(-1)!, 'first')!);
    expect(idsOf(first)).toEqual(idsOf(pages[0]!));
    expect(linkOf(pages[0]!, 'previous')).toBeUndefined();
  });

  it('`last` is the end of the merged result, and `previous` from it visits every patient exactly once, in order', async () => {
    const pages = await forward('_count=11&_sort=birthdate');
    const order = pages.flatMap(idsOf);
    const last = await search(linkOf(pages[0]!, 'last')!);
    expect(linkOf(last, 'next')).toBeUndefined();
    expect(idsOf(last)).toEqual(order.slice(-matches(last).length));
    const backward = await follow(last, 'previous');
    expect(backward.reverse().flatMap(idsOf)).toEqual(order);
    for (const page of backward) expect(page.total).toBe(order.length);
  });

  it('Bundle.total is the sum over the sources; _total=none leaves it out', async () => {
    const bundle = await search(`${three.url}/fhir/Patient?_count=3`);
    expect(bundle.total).toBe(allPatients().length);
    const none = await search(`${three.url}/fhir/Patient?_count=3&_total=none`);
    expect(none.total).toBeUndefined();
    expect(matches(none)).toHaveLength(3);
  });

  it('every fullUrl is /fhir/{sourceId}/Patient/{id}, and GETting it returns that resource', async () => {
    const bundle = await search(`${three.url}/fhir/Patient?_count=12`);
    const seen = new Set<string>();
    for (const e of matches(bundle)) {
      const source = sourceOfId(e.resource.id);
      expect(e.fullUrl).toBe(`${three.url}/fhir/${source}/Patient/${e.resource.id}`);
      if (seen.has(source)) continue;
      seen.add(source);
      const read = await fhir(e.fullUrl!);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(e.resource);
    }
    expect(seen).toEqual(new Set(IDS));
  });

  it('POST _search with a form body answers as the GET does, and its links are GET URLs that page on', async () => {
    const query = 'gender=female&_count=6&_sort=birthdate';
    const viaGet = await search(`${three.url}/fhir/Patient?${query}`);
    const viaPost = await search(`${three.url}/fhir/Patient/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: query,
    });
    expect(viaPost.total).toBe(viaGet.total);
    expect(viaPost.entry).toEqual(viaGet.entry);
    for (const link of viaPost.link!) {
      expect(new URL(link.url).pathname).toBe('/fhir/Patient');
      expect(link.url.startsWith(`${three.url}/fhir/Patient?`)).toBe(true);
    }
    const pages = await follow(viaPost, 'next');
    const females = allPatients().filter((p) => p.gender === 'female');
    expect(pages.flatMap(idsOf).sort()).toEqual(females.map((p) => p.id).sort());
  });

  it('_include=Observation:subject merged across sources: exactly the subjects of the page\'s matches', async () => {
    const pages = await take(await search(`${three.url}/fhir/Observation?_include=Observation:subject&_count=7`), 4);
    expect(pages).toHaveLength(4);
    for (const page of pages) {
      const subjects = new Set(matches(page).map((e) => e.resource.subject.reference as string));
      expect(matches(page)).toHaveLength(7);
      expect(includes(page).map((e) => key(e.resource)).sort()).toEqual([...subjects].sort());
      for (const e of includes(page)) expect(e.fullUrl).toBe(`${three.url}/fhir/${sourceOfId(e.resource.id)}/${key(e.resource)}`);
    }
  });

  it('_revinclude=Observation:subject merged across sources: exactly the Observations of the page\'s Patients', async () => {
    const pages = await take(await search(`${three.url}/fhir/Patient?_revinclude=Observation:subject&_count=5&_sort=birthdate`), 3);
    expect(pages).toHaveLength(3);
    for (const page of pages) {
      const mine = new Set(matches(page).map((e) => key(e.resource)));
      expect(mine.size).toBe(5);
      const expected = IDS.flatMap((s) => observations[s]).filter((o) => mine.has(o.subject.reference)).map((o) => o.id).sort();
      expect(includes(page).map((e) => e.resource.id).sort()).toEqual(expected);
      for (const e of includes(page)) expect(e.fullUrl).toBe(`${three.url}/fhir/${sourceOfId(e.resource.id)}/Observation/${e.resource.id}`);
    }
  });

  it('/fhir/{sourceId}/Patient searches only that source', async () => {
    const bundle = await search(`${three.url}/fhir/b/Patient?_count=100`);
    expect(new Set(idsOf(bundle))).toEqual(new Set(patients.b.map((p) => p.id)));
    expect(bundle.total).toBe(patients.b.length);
    for (const e of matches(bundle)) expect(e.fullUrl).toBe(`${three.url}/fhir/b/Patient/${e.resource.id}`);
    expect(f.calls('a')).toHaveLength(0);
    expect(f.calls('c')).toHaveLength(0);
    expect(f.calls('b')).toHaveLength(1);
    // and its paging stays there
    const small = await follow(await search(`${three.url}/fhir/b/Patient?_count=10`), 'next');
    for (const page of small) for (const link of page.link!) expect(link.url.startsWith(`${three.url}/fhir/b/Patient?`), link.url).toBe(true);
    expect(small.flatMap(idsOf).sort()).toEqual(patients.b.map((p) => p.id).sort());
    expect(f.calls('a')).toHaveLength(0);
    expect(f.calls('c')).toHaveLength(0);
  });
});

describe('_summary and _elements', () => {
  /** Patient's top-level elements marked isSummary in R4. */
  const PATIENT_SUMMARY = ['identifier', 'active', 'name', 'telecom', 'gender', 'birthDate', 'deceasedBoolean', 'deceasedDateTime', 'address', 'managingOrganization', 'link'];
  const BASE = ['resourceType', 'id', 'meta', 'implicitRules'];
  const subsetted = (r: any) => (r.meta?.tag ?? []).some((t: any) => t.code === 'SUBSETTED' && t.system === 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue');
  const original = (id: string) => allPatients().find((p) => p.id === id);

  it('_summary=count: Bundle.total and no entries (one source and three)', async () => {
    for (const [gw, total] of [[one, patients.a.length], [three, allPatients().length]] as const) {
      const bundle = await search(`${gw.url}/fhir/Patient?_summary=count`);
      expect(bundle.total).toBe(total);
      expect(bundle.entry).toBeUndefined();
      expect(bundle.link?.map((l) => l.relation)).toEqual(['self']);
    }
  });

  it('_summary=true: only the summary elements (+ id, meta), tagged SUBSETTED', async () => {
    const bundle = await search(`${three.url}/fhir/Patient?_summary=true&_count=100`);
    expect(matches(bundle)).toHaveLength(allPatients().length);
    for (const e of matches(bundle)) {
      const r = e.resource;
      const full = original(r.id);
      for (const name of Object.keys(r)) expect([...BASE, ...PATIENT_SUMMARY, ...PATIENT_SUMMARY.map((n) => `_${n}`)], `${r.id}.${name}`).toContain(name);
      for (const name of PATIENT_SUMMARY) if (full[name] !== undefined) expect(r[name], `${r.id}.${name}`).toEqual(full[name]);
      expect(r.generalPractitioner).toBeUndefined();
      expect(r.text).toBeUndefined();
      expect(r.meta.versionId).toBe(full.meta.versionId);
      expect(subsetted(r), r.id).toBe(true);
    }
  });

  it('_summary=true keeps the primitive extensions of the summary elements it keeps (_birthDate with birthDate)', async () => {
    const bundle = await search(`${one.url}/fhir/Patient?_summary=true&_count=100`);
    const withTime = matches(bundle).filter((e) => original(e.resource.id)._birthDate !== undefined);
    expect(withTime.length).toBeGreaterThan(0);
    for (const e of withTime) expect(e.resource._birthDate, e.resource.id).toEqual(original(e.resource.id)._birthDate);
  });

  it('_summary=text: only text, id, meta and the mandatory elements', async () => {
    const bundle = await search(`${one.url}/fhir/Patient?_summary=text&_id=a-narr-1,a-pat-0001`);
    const byId = Object.fromEntries(matches(bundle).map((e) => [e.resource.id, e.resource]));
    expect(Object.keys(byId).sort()).toEqual(['a-narr-1', 'a-pat-0001']);
    expect(Object.keys(byId['a-narr-1']).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
    expect(byId['a-narr-1'].text).toEqual(NARRATED.text);
    expect(Object.keys(byId['a-pat-0001']).sort()).toEqual(['id', 'meta', 'resourceType']);
    for (const r of Object.values(byId)) expect(subsetted(r)).toBe(true);
    // Observation has mandatory status and code: they stay
    const obs = await search(`${one.url}/fhir/Observation?_summary=text&_count=3`);
    for (const e of matches(obs)) expect(Object.keys(e.resource).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status']);
  });

  it('_summary=data: everything but the text, tagged SUBSETTED', async () => {
    const bundle = await search(`${one.url}/fhir/Patient?_summary=data&_count=100`);
    expect(matches(bundle)).toHaveLength(patients.a.length);
    for (const e of matches(bundle)) {
      const { text: _text, meta, ...rest } = original(e.resource.id);
      const { meta: shapedMeta, ...shaped } = e.resource;
      expect(shaped).toEqual(rest);
      expect(shapedMeta.versionId).toBe(meta.versionId);
      expect(subsetted(e.resource)).toBe(true);
    }
  });

  it('_elements=name,birthDate: only those (+ id, meta), tagged SUBSETTED, over three sources', async () => {
    const bundle = await search(`${three.url}/fhir/Patient?_elements=name,birthDate&_count=100&_sort=birthdate`);
    expect(matches(bundle)).toHaveLength(allPatients().length);
    for (const e of matches(bundle)) {
      const r = e.resource;
      const full = original(r.id);
      for (const name of Object.keys(r)) expect(['resourceType', 'id', 'meta', 'name', 'birthDate', '_birthDate'], `${r.id}.${name}`).toContain(name);
      expect(r.name).toEqual(full.name);
      expect(r.birthDate).toBe(full.birthDate);
      expect(subsetted(r)).toBe(true);
    }
    // the merge still sorted by birthdate
    const dates = matches(bundle).map((e) => e.resource.birthDate as string);
    expect(dates).toEqual([...dates].sort());
    // paging links keep _elements
    const small = await search(`${three.url}/fhir/Patient?_elements=name&_count=5`);
    const next = await search(linkOf(small, 'next')!);
    for (const e of matches(next)) expect(e.resource.gender).toBeUndefined();
  });
});

describe('bad result parameters', () => {
  const bad = [
    'Patient?_count=abc',
    'Patient?_count=-1',
    'Patient?_count=1.5',
    'Patient?_cursor=definitely-not-a-cursor',
    `Patient?_cursor=${Buffer.from(JSON.stringify({ v: 2, h: 'nope', p: { a: 0, b: 0, c: 0 } })).toString('base64url')}`,
    'Patient?_summary=true&_elements=name',
    'Patient?_summary=sometimes',
    'Patient?_count=5&_count=6',
  ];

  it.each(bad)('%s is 400 OperationOutcome, nothing sent upstream (three sources)', async (query) => {
    const res = await fhir(`${three.url}/fhir/${query}`);
    expectOutcome(res, 400);
    for (const id of IDS) expect(f.calls(id)).toHaveLength(0);
  });

  it.each(bad)('%s is 400 OperationOutcome, nothing sent upstream (one source)', async (query) => {
    const res = await fhir(`${one.url}/fhir/${query}`);
    expectOutcome(res, 400);
    expect(f.calls('a')).toHaveLength(0);
  });

  it('a cursor of another search (other _sort) is 400', async () => {
    const page = await search(`${three.url}/fhir/Patient?_count=5&_sort=birthdate`);
    const cursor = new URL(linkOf(page, 'next')!).searchParams.get('_cursor')!;
    expectOutcome(await fhir(`${three.url}/fhir/Patient?_count=5&_sort=family&_cursor=${cursor}`), 400);
    const single = await search(`${one.url}/fhir/Patient?_count=5`);
    const singleCursor = new URL(linkOf(single, 'next')!).searchParams.get('_cursor')!;
    expectOutcome(await fhir(`${one.url}/fhir/Observation?_count=5&_cursor=${singleCursor}`), 400);
  });

  it('_sort on a parameter the type does not have is 400', async () => {
    const res = await fhir(`${three.url}/fhir/Patient?_sort=nonsense`);
    const issues = expectOutcome(res, 400);
    expect(issues[0]!.diagnostics).toContain('nonsense');
  });
});

describe('streaming', () => {
  it('a page of 500 Observations arrives complete, chunked, and parses', async () => {
    const total = IDS.reduce((n, s) => n + observations[s].length, 0);
    expect(total).toBeGreaterThan(500);
    const res = await fetch(`${three.url}/fhir/Observation?_count=500`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const text = await res.text();
    expect(text.length).toBeGreaterThan(64 * 1024);
    const bundle = JSON.parse(text) as SearchBundle;
    expect(bundle.total).toBe(total);
    const ids = matches(bundle).map((e) => e.resource.id as string);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    const held = new Map(IDS.flatMap((s) => observations[s].map((o) => [o.id as string, o] as const)));
    for (const e of matches(bundle)) expect(e.resource).toEqual(held.get(e.resource.id));
    expect(outcomes(bundle)).toHaveLength(0);
  });
});
