// The patient compartment, on every path and transport: a patient/ token sees its patient's data and nothing of any
// other patient, across two real FHIR servers that know the same person under different ids (sameAs by national id).
// Every answer is walked for resources and each compartment resource must be one the upstreams themselves say belongs
// to the token's patient (the truth is read from the upstreams directly, not from the gateway); every shape also
// asserts that the patient's own data does come back, so that a gateway that answered nothing would fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';

type Json = Record<string, any>;
const SEED = 5;
const ME = { hospital: 'h-pat-0001', lab: 'l-pat-0001' } as const;
const OTHER = 'h-pat-0002';
const COMPARTMENT_TYPES = new Set(['Patient', 'Observation', 'Encounter', 'Condition', 'MedicationRequest']);
// An Observation of mine whose performer is another patient (a reference out of my compartment), and a Patient id
// that both sources use (a plain patient claim naming it is ambiguous).
const crossRef = { resourceType: 'Observation', id: 'h-cross-ref', status: 'final', code: { text: 'reported by a relative' }, subject: { reference: `Patient/${ME.hospital}` }, performer: [{ reference: `Patient/${OTHER}` }] };
const twin = (prefix: string) => ({ resourceType: 'Patient', id: 'twin', identifier: [{ system: 'urn:example:twin', value: prefix }] });

let issuer: SmartIssuer;
let f: Fixture;
/** Every resource the upstreams hold, by source. */
const held: Record<string, Json[]> = {};
/** `Type/id` of the compartment resources that belong to me, from the upstreams' own data. */
const mine = new Set<string>();
let myObservations: string[] = [];
let otherObservation = '';

beforeAll(async () => {
  issuer = await startSmartIssuer(() => `${f.url}/fhir`);
  f = await startFixture({
    sources: {
      hospital: { patients: 6, seed: SEED, idPrefix: 'h', resources: [crossRef, twin('h')] },
      lab: { patients: 4, seed: SEED, idPrefix: 'l', resources: [twin('l')] },
    },
    config: { identity: { patientIdentifierSystems: [NATIONAL_ID_SYSTEM] } },
    argv: ['--auth-issuer', issuer.issuer],
  });
  for (const source of ['hospital', 'lab'] as const) {
    held[source] = [];
    for (const type of ['Patient', 'Observation', 'Encounter', 'Condition', 'MedicationRequest', 'Practitioner', 'Organization']) {
      const bundle = (await f.direct<Json>(source, `${type}?_count=5000`)).body;
      held[source]!.push(...(bundle.entry ?? []).map((e: Json) => e.resource));
    }
    for (const r of held[source]!) if (belongsTo(r, ME[source])) mine.add(`${r.resourceType}/${r.id}`);
  }
  myObservations = [...mine].filter((k) => k.startsWith('Observation/')).map((k) => k.slice(12)).sort();
  otherObservation = held['hospital']!.find((r) => r.resourceType === 'Observation' && r.subject?.reference === `Patient/${OTHER}`)!.id;
  expect(myObservations.length).toBeGreaterThan(3);
  expect(myObservations.some((id) => id.startsWith('l-'))).toBe(true); // the same person's lab record counts
});
afterAll(async () => {
  await f?.stop();
  await issuer?.stop();
});

/** The upstream's own view: a compartment resource is mine when it is my Patient or references it. */
function belongsTo(resource: Json, patientId: string): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  return JSON.stringify(resource).includes(`"Patient/${patientId}"`);
}

/** Every resource in an answer (objects with an id and a resourceType or GraphQL __typename). */
function resourcesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) resourcesIn(v, out);
  else if (value !== null && typeof value === 'object') {
    const o = value as Json;
    const type = o.resourceType ?? o.__typename;
    if (typeof o.id === 'string' && typeof type === 'string') out.push(`${type}/${o.id}`);
    for (const v of Object.values(o)) resourcesIn(v, out);
  }
  return out;
}

/** Zero leaks: every compartment resource in the answer is mine. */
function expectNoLeak(answer: unknown, what: string): void {
  const leaked = resourcesIn(answer).filter((k) => COMPARTMENT_TYPES.has(k.split('/')[0]!) && !mine.has(k));
  expect(leaked, `${what} leaked`).toEqual([]);
}

const tokens = new Map<string, string>();
async function token(scope = 'patient/*.rs', patient = `hospital/${ME.hospital}`): Promise<string> {
  const key = `${scope}\n${patient}`;
  if (!tokens.has(key)) tokens.set(key, `Bearer ${await issuer.sign({ scope, patient })}`);
  return tokens.get(key)!;
}
async function gql(query: string, opts: { scope?: string; patient?: string; path?: string; variables?: Json } = {}) {
  const res = await f.fetch(opts.path ?? '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await token(opts.scope, opts.patient) },
    body: JSON.stringify({ query, variables: opts.variables }),
  });
  const body = (await res.json()) as { data?: Json; errors?: Json[] };
  expectNoLeak(body, query);
  return { status: res.status, ...body };
}
async function rest(path: string, init: RequestInit & { scope?: string; patient?: string; created?: boolean } = {}) {
  const res = await f.fetch(path, {
    ...init,
    headers: { accept: 'application/fhir+json', 'content-type': 'application/fhir+json', authorization: await token(init.scope, init.patient), ...(init.headers as Json | undefined) },
  });
  const body = (await res.json()) as Json;
  // a resource this request created is not in the upstream truth read at the start: the test checks it itself
  if (init.created && res.status === 201) mine.add(`${body.resourceType}/${body.id}`);
  expectNoLeak(body, path);
  return { status: res.status, body };
}
const ids = (list: Json[] | undefined) => (list ?? []).map((r) => r.id).sort();
const codes = (errors: Json[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const entryIds = (bundle: Json, type?: string) => (bundle.entry ?? []).map((e: Json) => e.resource).filter((r: Json) => type === undefined || r.resourceType === type).map((r: Json) => r.id).sort();

describe('the patient claim', () => {
  it('names a Patient as sourceId/id or as an id that one source has; the same person elsewhere joins by sameAs', async () => {
    for (const patient of [`hospital/${ME.hospital}`, ME.hospital, `Patient/${ME.hospital}`]) {
      const r = await gql('{ PatientList(_count: 50) { __typename id sourceId } }', { patient });
      expect(r.errors, patient).toBeUndefined();
      expect(r.data!.PatientList.map((p: Json) => `${p.sourceId}/${p.id}`).sort(), patient).toEqual([`hospital/${ME.hospital}`, `lab/${ME.lab}`]);
    }
  });

  it('a claim that names no Patient, a Patient of another source, or an id two sources use: 403, never data', async () => {
    for (const patient of ['nobody', `lab/${ME.hospital}`, 'twin', 'no/such/thing']) {
      const r = await gql('{ PatientList { id } ObservationList { id } PractitionerList { id } }', { patient });
      expect(r.data?.PatientList ?? null, patient).toBeNull();
      expect(r.data?.ObservationList ?? null, patient).toBeNull();
      expect(r.data?.PractitionerList ?? null, patient).toBeNull();
      expect(codes(r.errors), patient).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
      const rr = await rest('/fhir/Observation', { patient });
      expect(rr.status, patient).toBe(403);
    }
    const ambiguous = await gql('{ PatientList { id } }', { patient: 'twin' });
    expect(ambiguous.errors![0]!.message).toMatch(/'hospital\/twin'/);
  });
});

describe('GraphQL', () => {
  it('G1 a list of patients is the token\'s patient, in every source', async () => {
    const r = await gql('{ PatientList(_count: 50) { __typename id } }');
    expect(ids(r.data!.PatientList)).toEqual([ME.hospital, ME.lab].sort());
  });

  it('G2 a search of a compartment type returns exactly the patient\'s resources from both sources', async () => {
    const r = await gql('{ ObservationList(_count: 500) { __typename id } }');
    expect(r.errors).toBeUndefined();
    expect(ids(r.data!.ObservationList)).toEqual(myObservations);
  });

  it('G3 Connection paging by cursor walks exactly the patient\'s resources, each once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const r: Json = await gql('query($c: String) { ObservationConnection(_count: 4, _cursor: $c) { next edges { resource { __typename id } } } }', { variables: { c: cursor } });
      expect(r.errors).toBeUndefined();
      seen.push(...r.data.ObservationConnection.edges.map((e: Json) => e.resource.id));
      cursor = r.data.ObservationConnection.next;
      if (cursor === null) break;
    }
    expect(seen.sort()).toEqual(myObservations);
  });

  it('G4 a read by id of another patient\'s resource is NOT_FOUND, worded like an id that does not exist', async () => {
    const hidden = await gql(`{ Observation(id: "${otherObservation}") { __typename id } }`);
    const missing = await gql('{ Observation(id: "h-obs-none") { __typename id } }');
    expect(hidden.data?.Observation ?? null).toBeNull();
    expect(codes(hidden.errors)).toEqual(['NOT_FOUND']);
    expect(hidden.errors![0]!.message.replace(otherObservation, 'X')).toBe(missing.errors![0]!.message.replace('h-obs-none', 'X'));
    const patient = await gql(`{ Patient(id: "${OTHER}") { __typename id } }`);
    expect(codes(patient.errors)).toEqual(['NOT_FOUND']);
    const mineRead = await gql(`{ Observation(id: "${myObservations[0]}") { __typename id } }`);
    expect(mineRead.data!.Observation.id).toBe(myObservations[0]);
  });

  it('G5 references: another patient is NOT_FOUND (null with optional: true); practitioners outside the compartment resolve', async () => {
    const r = await gql('{ Observation(id: "h-cross-ref") { __typename id subject { resource { ... on Patient { __typename id } } } performer { resource(optional: true) { ... on Patient { __typename id } } } } }');
    expect(r.errors).toBeUndefined();
    expect(r.data!.Observation.subject.resource.id).toBe(ME.hospital);
    expect(r.data!.Observation.performer[0].resource).toBeNull();
    const strict = await gql('{ Observation(id: "h-cross-ref") { performer { resource { ... on Patient { __typename id name { family } } } } } }');
    expect(codes(strict.errors)).toEqual(['NOT_FOUND']);
    const enc = await gql('{ EncounterList(_count: 100) { __typename id subject { resource { ... on Patient { __typename id } } } participant { individual { resource { ... on Practitioner { __typename id } } } } } }');
    expect(enc.errors).toBeUndefined();
    expect(enc.data!.EncounterList.length).toBeGreaterThan(0);
    expect(enc.data!.EncounterList.flatMap((e: Json) => e.participant?.map((p: Json) => p.individual?.resource?.id) ?? []).filter(Boolean).length).toBeGreaterThan(0);
  });

  it('G6 reverse references from a shared resource (a practitioner) list only the patient\'s resources', async () => {
    const r = await gql('{ PractitionerList(_count: 20) { id ObservationList(_reference: performer, _count: 200) { __typename id subject { reference } } } }');
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const listed = r.data!.PractitionerList.flatMap((p: Json) => p.ObservationList.map((o: Json) => o.id));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((id: string) => myObservations.includes(id))).toBe(true);
  });

  it('G7 sameAs gives the same person\'s other records and nothing else', async () => {
    const r = await gql(`{ Patient(id: "${ME.hospital}") { __typename id sameAs { __typename id sourceId } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.Patient.sameAs.map((p: Json) => `${p.sourceId}/${p.id}`)).toEqual([`lab/${ME.lab}`]);
  });

  it('G8 nested to any depth: reverse lists, references back, sameAs again', async () => {
    const r = await gql(`{ PatientList(_count: 5) { __typename id
      ObservationList(_reference: subject, _count: 200) { __typename id
        encounter { resource { ... on Encounter { __typename id subject { resource { ... on Patient { __typename id sameAs { __typename id } } } } } } }
        performer { resource(optional: true) { ... on Patient { __typename id } ... on Practitioner { __typename id } } } } } }`);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data!.PatientList.flatMap((p: Json) => p.ObservationList.map((o: Json) => o.id)).sort()).toEqual(myObservations);
  });

  it('G9 includes on a Connection search: `_include`d resources outside the compartment are left out', async () => {
    const r = await rest('/fhir/Observation?_count=500&_include=Observation:subject&_include=Observation:performer');
    expect(r.status).toBe(200);
    expect(entryIds(r.body, 'Observation')).toEqual(myObservations);
    expect(entryIds(r.body, 'Patient')).toEqual([ME.hospital, ME.lab].sort());
    expect(entryIds(r.body, 'Practitioner').length).toBeGreaterThan(0);
  });
});

describe('$graphql', () => {
  it('F1 the system-level endpoint answers like /graphql', async () => {
    const r = await gql('{ ObservationList(_count: 500) { __typename id } }', { path: '/fhir/$graphql' });
    expect(ids(r.data!.ObservationList)).toEqual(myObservations);
  });

  it('F2 the instance level on another patient is not found; on the token\'s patient it answers', async () => {
    const other = await f.fetch(`/fhir/Patient/${OTHER}/$graphql?query=${encodeURIComponent('{ id name { family } }')}`, { headers: { authorization: await token() } });
    const body = (await other.json()) as Json;
    expectNoLeak(body, 'instance $graphql');
    expect(body.data?.id).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(OTHER + '"'); // not even the id comes back as data
    const own = await gql('{ ObservationList(_reference: subject, _count: 500) { __typename id } }', { path: `/fhir/hospital/Patient/${ME.hospital}/$graphql` });
    expect(own.errors).toBeUndefined();
    expect(ids(own.data!.ObservationList)).toEqual(myObservations.filter((id) => id.startsWith('h-')));
  });
});

describe('REST', () => {
  it('R1 a type search returns exactly the patient\'s resources; asking for another patient returns nothing', async () => {
    const all = await rest('/fhir/Observation?_count=500');
    expect(entryIds(all.body)).toEqual(myObservations);
    const other = await rest(`/fhir/Observation?subject=Patient/${OTHER}`);
    expect(other.status).toBe(200);
    expect(other.body.entry ?? []).toEqual([]);
  });

  it('R2 reads and vreads of another patient\'s resources are 404 like a missing id; the patient\'s own read answers', async () => {
    const hidden = await rest(`/fhir/Observation/${otherObservation}`);
    const missing = await rest('/fhir/Observation/h-obs-none');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(JSON.stringify(hidden.body).replaceAll(otherObservation, 'X')).toBe(JSON.stringify(missing.body).replaceAll('h-obs-none', 'X'));
    expect((await rest(`/fhir/Patient/${OTHER}/_history/1`)).status).toBe(404);
    expect((await rest(`/fhir/Observation/${myObservations[0]}`)).status).toBe(200);
  });

  it('R3 conditional reads cannot probe: If-None-Match on a hidden resource is still 404, not 304', async () => {
    const r = await rest(`/fhir/Patient/${OTHER}`, { headers: { 'if-none-match': '*' } });
    expect(r.status).toBe(404);
  });

  it('R4 _revinclude brings only the patient\'s resources', async () => {
    const r = await rest('/fhir/Patient?_revinclude=Observation:subject&_count=50');
    expect(entryIds(r.body, 'Patient')).toEqual([ME.hospital, ME.lab].sort());
    expect(entryIds(r.body, 'Observation')).toEqual(myObservations);
  });

  it('R5 paging by the Bundle\'s next links walks exactly the patient\'s resources', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/fhir/Observation?_count=3';
    for (let page = 0; page < 100 && next !== undefined; page++) {
      const r: { body: Json } = await rest(next.replace(f.url, ''));
      seen.push(...entryIds(r.body));
      next = r.body.link?.find((l: Json) => l.relation === 'next')?.url;
    }
    expect(seen.sort()).toEqual(myObservations);
  });

  it('R6 history: another patient\'s is 404, the patient\'s own answers', async () => {
    expect((await rest(`/fhir/Patient/${OTHER}/_history`)).status).toBe(404);
    const own = await rest(`/fhir/Patient/${ME.hospital}/_history`);
    expect(own.status).toBe(200);
    expect(entryIds(own.body)).toContain(ME.hospital);
  });

  it('R7 a batch: each read and search entry is checked like its own request', async () => {
    const batch = {
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: `Observation/${otherObservation}` } },
        { request: { method: 'GET', url: 'Observation?_count=500' } },
        { request: { method: 'GET', url: `Patient/${ME.hospital}` } },
      ],
    };
    const r = await rest('/fhir/hospital', { method: 'POST', body: JSON.stringify(batch) });
    expect(r.status).toBe(200);
    const [hidden, search, own] = r.body.entry;
    expect(hidden.response.status).toMatch(/^404/);
    expect(hidden.resource).toBeUndefined();
    expect(entryIds(search.resource)).toEqual(myObservations.filter((id) => id.startsWith('h-')));
    expect(own.resource.id).toBe(ME.hospital);
  });

  it('R8 searches that filter through unchecked resources are refused: _has, chains', async () => {
    expect((await rest('/fhir/Patient?_has:Observation:subject:code=8867-4')).status).toBe(403);
    expect((await rest('/fhir/Observation?subject.name=Smith')).status).toBe(403);
    const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Observation?subject.name=Smith' } }] };
    expect((await rest('/fhir/hospital', { method: 'POST', body: JSON.stringify(batch) })).status).toBe(403);
  });

  it('R9 a cursor issued to another viewer does not page this one\'s search', async () => {
    const wide = await f.fetch('/fhir/hospital/Observation?_count=2', { headers: { accept: 'application/fhir+json', authorization: await token('user/*.rs', '') } });
    const next = ((await wide.json()) as Json).link.find((l: Json) => l.relation === 'next').url as string;
    const r = await rest(next.replace(f.url, ''));
    expect(r.status).toBe(400);
  });
});

describe('an upstream that ignores the narrowing', () => {
  it('U1 every resource is still checked on the way back: the other patient\'s match is left out, and no total is claimed', async () => {
    const other = held['hospital']!.find((r) => r.id === otherObservation)!;
    const own = held['hospital']!.find((r) => r.id === myObservations.find((id) => id.startsWith('h-obs')))!;
    const careless = { resourceType: 'Bundle', type: 'searchset', total: 2, entry: [{ resource: own, search: { mode: 'match' } }, { resource: other, search: { mode: 'match' } }] };
    f.upstreams['hospital']!.setFault(({ method, url }) => (method === 'GET' && url.startsWith('/Observation?') ? { kind: 'status', status: 200, body: JSON.stringify(careless) } : undefined));
    try {
      const r = await rest('/fhir/hospital/Observation?code=anything');
      expect(r.status).toBe(200);
      expect(entryIds(r.body)).toEqual([own.id]);
      expect(r.body.total).toBeUndefined();
      const g = await gql('{ ObservationList(sourceId: "hospital", code: "anything") { __typename id } ObservationConnection(sourceId: "hospital") { count edges { resource { __typename id } } } }');
      expect(ids(g.data!.ObservationList)).toEqual([own.id]);
      expect(g.data!.ObservationConnection.count).toBeNull();
      // a batched read by id rides the same kind of search: the hidden one is not found
      const read = await gql(`{ a: Observation(id: "${own.id}") { __typename id } b: Observation(id: "${otherObservation}") { __typename id } }`);
      expect(read.data!.a.id).toBe(own.id);
      expect(read.data!.b).toBeNull();
    } finally {
      f.upstreams['hospital']!.setFault(undefined);
    }
  });
});

describe('writes', () => {
  const write = 'patient/*.cruds';
  const observation = (subject: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'pain score' }, subject: { reference: `Patient/${subject}` }, valueInteger: 3 });

  it('W1 a create inside the compartment is written; one for another patient is 403 and nothing is sent', async () => {
    f.resetCalls();
    const refused = await gql('mutation($res: ObservationCreate!) { ObservationCreate(res: $res, sourceId: "hospital") { id } }', { scope: write, variables: { res: observation(OTHER) } });
    expect(codes(refused.errors)).toEqual(['FORBIDDEN']);
    const post = await rest('/fhir/hospital/Observation', { scope: write, method: 'POST', body: JSON.stringify(observation(OTHER)) });
    expect(post.status).toBe(403);
    expect(f.writes()).toEqual([]);
    const ok = await rest('/fhir/hospital/Observation', { scope: write, method: 'POST', body: JSON.stringify(observation(ME.hospital)), created: true });
    expect(ok.status).toBe(201);
    expect(ok.body.subject.reference).toBe(`Patient/${ME.hospital}`);
  });

  it('W2 updates and deletes of another patient\'s resource are 404 and change nothing; moving one\'s own out is 403', async () => {
    f.resetCalls();
    const other = held['hospital']!.find((r) => r.id === otherObservation)!;
    expect((await rest(`/fhir/Observation/${otherObservation}`, { scope: write, method: 'PUT', body: JSON.stringify({ ...other, subject: { reference: `Patient/${ME.hospital}` } }) })).status).toBe(404);
    expect((await rest(`/fhir/Observation/${otherObservation}`, { scope: write, method: 'DELETE' })).status).toBe(404);
    const del = await gql(`mutation { ObservationDelete(id: "${otherObservation}", sourceId: "hospital") { id } }`, { scope: write });
    expect(codes(del.errors)).toEqual(['NOT_FOUND']);
    const own = held['hospital']!.find((r) => r.id === myObservations.find((id) => id.startsWith('h-obs')))!;
    expect((await rest(`/fhir/Observation/${own.id}`, { scope: write, method: 'PUT', body: JSON.stringify({ ...own, subject: { reference: `Patient/${OTHER}` } }) })).status).toBe(403);
    const patch = await rest(`/fhir/Observation/${own.id}`, {
      scope: write, method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/subject/reference', value: `Patient/${OTHER}` }]),
    });
    expect(patch.status).toBe(403);
    expect(f.writes()).toEqual([]);
    expect((await f.direct('hospital', `Observation/${otherObservation}`)).status).toBe(200);
  });

  it('W3 a conditional create matches only inside the compartment', async () => {
    f.resetCalls();
    const r = await rest('/fhir/hospital/Observation', {
      scope: write, method: 'POST', headers: { 'if-none-exist': `_id=${otherObservation}` }, body: JSON.stringify(observation(ME.hospital)), created: true,
    });
    expect(r.status).toBe(201); // created: the other patient's Observation did not match
    expect(r.body.id).not.toBe(otherObservation);
    expect(r.body.subject.reference).toBe(`Patient/${ME.hospital}`);
  });

  it('W4 a transaction that would write outside the compartment is refused whole, before anything is sent', async () => {
    f.resetCalls();
    const tx = {
      resourceType: 'Bundle', type: 'transaction', entry: [
        { request: { method: 'POST', url: 'Observation' }, resource: observation(ME.hospital) },
        { request: { method: 'POST', url: 'Observation' }, resource: observation(OTHER) },
      ],
    };
    const r = await rest('/fhir/hospital', { scope: write, method: 'POST', body: JSON.stringify(tx) });
    expect(r.status).toBe(403);
    expect(f.writes()).toEqual([]);
  });
});
