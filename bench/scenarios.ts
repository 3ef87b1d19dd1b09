// The benchmark scenarios: one GraphQL query each, and the same work done directly against the upstream
// FHIR REST API the way a client would do it. Every mode returns the number of items it obtained, so that
// the run can check that gateway and direct modes fetched the same data. `coreScenarios` builds the five
// core scenarios for a patient id: SCENARIOS (s1..s5) for the single-source run, and, with another id and
// variant, their federated form (f1..f5, bench/federation.ts): the same queries without `sourceId`, so the
// gateway asks every source.
// No code/date search parameters: Medplum's in-memory token and date searches are slow FHIRPath scans
// (~0.5 s at 100 patients) and would measure the upstream only.

/** GET relative to the upstream base URL (or an absolute URL such as a `next` link); parsed JSON. */
export type FhirGet = (pathOrUrl: string) => Promise<unknown>;

export interface DirectMode {
  readonly name: string;
  /** What the client does, for the report. */
  readonly description: string;
  run(get: FhirGet): Promise<number>;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly query: string;
  /** Items in the GraphQL answer; throws when the answer does not have the expected shape. */
  countGraphql(data: Record<string, unknown>): number;
  readonly direct: readonly DirectMode[];
  /** Also run the (single) direct mode through the bare pass-through proxy: the cost of one extra process hop. */
  readonly proxyControl?: boolean;
  /** DESIGN §12: most upstream requests per GraphQL request allowed (undefined: no target). */
  readonly maxUpstreamPerQuery?: number;
  /**
   * The hand-written direct client as a server would run it (bench/direct-process.ts, the peers part): the gateway's
   * REST requests exactly (s4/s5: those of `direct smart`; s3: `direct`'s with `_count=500`), the answer shaped as the
   * GraphQL query's `data` (same fields, nulls where GraphQL gives null, reverse lists capped per parent as
   * `_count` asks), so that `countGraphql` reads it as it reads the gateway's. Only s3–s5.
   */
  readonly serveDirect?: (get: FhirGet) => Promise<Record<string, unknown>>;
}

type Json = Record<string, any>;
interface Bundle { entry?: Array<{ resource?: Json }>; link?: Array<{ relation?: string; url?: string }> }

const LIST_COUNT = 20;
const REVERSE_TYPES = ['Observation', 'Condition', 'Encounter'] as const;
/** Page size of the smart client's batched searches (the gateway uses limits.maxCount = 500 too). */
const BATCH_PAGE = 500;
const MAX_PAGES = 20;

const resources = (bundle: unknown): Json[] => ((bundle as Bundle).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
const nextLink = (bundle: unknown): string | undefined => (bundle as Bundle).link?.find((l) => l.relation === 'next')?.url;

/** A search with every `next` page followed (bounded). */
async function searchAll(get: FhirGet, path: string): Promise<Json[]> {
  const out: Json[] = [];
  let url: string | undefined = path;
  for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
    const bundle = await get(url);
    out.push(...resources(bundle));
    url = nextLink(bundle);
  }
  return out;
}

function expectArray(value: unknown, what: string, length?: number): Json[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)?.slice(0, 200)}`);
  if (length !== undefined && value.length !== length) throw new Error(`${what}: expected ${length} items, got ${value.length}`);
  return value as Json[];
}

/** References of a Patient to its practitioner(s) and organization, as 'Type/id'. */
const patientRefs = (p: Json): string[] =>
  [...((p['generalPractitioner'] as Json[] | undefined) ?? []), ...(p['managingOrganization'] ? [p['managingOrganization'] as Json] : [])]
    .map((r) => r['reference'] as string | undefined)
    .filter((r): r is string => typeof r === 'string');

const hasName = (r: Json | undefined): boolean =>
  !!r && (r['resourceType'] === 'Organization' ? typeof r['name'] === 'string' : typeof r['name']?.[0]?.family === 'string');

/** GET Type?_id=a,b,... per target type (in parallel, next pages followed): 'Type/id' -> resource. */
async function readByType(get: FhirGet, refs: readonly string[]): Promise<Map<string, Json>> {
  const byType = new Map<string, Set<string>>();
  for (const r of refs) {
    const [type, id] = r.split('/') as [string, string];
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type)!.add(id);
  }
  const found = new Map<string, Json>();
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      for (const r of await searchAll(get, `${type}?_id=${[...ids].join(',')}&_count=${ids.size}`)) found.set(`${type}/${r['id']}`, r);
    }),
  );
  return found;
}

/** s5's batched reverse searches: the page of patients, then one search per type for all of them. */
async function patientsWithReverse(get: FhirGet): Promise<{ patients: Json[]; lists: Json[][] }> {
  const patients = resources(await get(`Patient?_count=${LIST_COUNT}`));
  const subjects = patients.map((p) => `Patient/${p['id']}`).join(',');
  const lists = await Promise.all(REVERSE_TYPES.map((t) => searchAll(get, `${t}?subject=${subjects}&_count=${BATCH_PAGE}`)));
  return { patients, lists };
}

/** Resources per `subject.reference`, upstream order kept, at most `cap` each (GraphQL's per-parent `_count`). */
function bySubject(list: readonly Json[], cap: number): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  for (const r of list) {
    const ref = r['subject']?.reference as string | undefined;
    if (ref === undefined) continue;
    let l = out.get(ref);
    if (!l) out.set(ref, (l = []));
    if (l.length < cap) l.push(r);
  }
  return out;
}

const quantity = (q: Json | undefined) => (q ? { value: q['value'] ?? null, unit: q['unit'] ?? null } : null);

export interface ScenarioVariant {
  /** Scenario ids become `${idPrefix}1`..`${idPrefix}5`. */
  readonly idPrefix: string;
  /** Appended to every title, e.g. ' over 3 sources'. */
  readonly titleSuffix: string;
}

/** The five core scenarios, reading `PATIENT_ID` where they need one patient (s1, s3). */
export function coreScenarios(PATIENT_ID: string, variant: ScenarioVariant = { idPrefix: 's', titleSuffix: '' }): Scenario[] {
  return CORE(PATIENT_ID).map((s) => ({ ...s, id: `${variant.idPrefix}${s.id.slice(1)}`, title: s.title + variant.titleSuffix }));
}

const CORE = (PATIENT_ID: string): Scenario[] => [
  {
    id: 's1',
    title: 'one Patient by id',
    query: `{ Patient(id: "${PATIENT_ID}") { id name { family given } birthDate } }`,
    countGraphql: (d) => ((d['Patient'] as Json | null)?.['id'] === PATIENT_ID ? 1 : 0),
    direct: [
      {
        name: 'direct',
        description: `GET Patient/${PATIENT_ID}`,
        run: async (get) => ((await get(`Patient/${PATIENT_ID}`)) as Json)['id'] === PATIENT_ID ? 1 : 0,
      },
    ],
    proxyControl: true,
    maxUpstreamPerQuery: 1,
  },
  {
    id: 's2',
    title: 'a page of 50 Patients',
    query: '{ PatientList(_count: 50) { id name { family } birthDate } }',
    countGraphql: (d) => expectArray(d['PatientList'], 'PatientList', 50).length,
    direct: [{ name: 'direct', description: 'GET Patient?_count=50', run: async (get) => resources(await get('Patient?_count=50')).length }],
    proxyControl: true,
    maxUpstreamPerQuery: 1,
  },
  {
    id: 's3',
    title: 'one Patient with its Observations',
    query: `{ Patient(id: "${PATIENT_ID}") { id ObservationList(_reference: subject, _count: 100) { id valueQuantity { value unit } } } }`,
    countGraphql: (d) => expectArray((d['Patient'] as Json | null)?.['ObservationList'], 'ObservationList').length,
    direct: [
      {
        name: 'direct',
        description: `GET Patient/${PATIENT_ID}, then GET Observation?subject=Patient/${PATIENT_ID}&_count=100 (sequential)`,
        run: async (get) => {
          const patient = (await get(`Patient/${PATIENT_ID}`)) as Json;
          return resources(await get(`Observation?subject=Patient/${patient['id']}&_count=100`)).length;
        },
      },
    ],
    maxUpstreamPerQuery: 2,
    // The gateway's requests exactly (its reverse searches ask for a batch page, then cap per parent).
    serveDirect: async (get) => {
      const patient = (await get(`Patient/${PATIENT_ID}`)) as Json;
      const observations = (await searchAll(get, `Observation?subject=Patient/${patient['id']}&_count=${BATCH_PAGE}`)).slice(0, 100);
      return { Patient: { id: patient['id'], ObservationList: observations.map((o) => ({ id: o['id'], valueQuantity: quantity(o['valueQuantity']) })) } };
    },
  },
  {
    id: 's4',
    title: `${LIST_COUNT} Patients with practitioner and organization`,
    query:
      `{ PatientList(_count: ${LIST_COUNT}) { id ` +
      'generalPractitioner { reference resource { ... on Practitioner { name { family } } } } ' +
      'managingOrganization { reference resource { ... on Organization { name } } } } }',
    countGraphql: (d) => {
      let n = 0;
      for (const p of expectArray(d['PatientList'], 'PatientList', LIST_COUNT)) {
        for (const gp of (p['generalPractitioner'] as Json[] | null) ?? []) if (typeof gp['resource']?.name?.[0]?.family === 'string') n++;
        if (typeof p['managingOrganization']?.resource?.name === 'string') n++;
      }
      return n;
    },
    direct: [
      {
        name: 'direct naive',
        description: `GET Patient?_count=${LIST_COUNT}, then one GET Type/id per reference (all in parallel)`,
        run: async (get) => {
          const patients = resources(await get(`Patient?_count=${LIST_COUNT}`));
          const refs = patients.flatMap(patientRefs);
          const targets = (await Promise.all(refs.map((r) => get(r)))) as Json[];
          return targets.filter(hasName).length;
        },
      },
      {
        name: 'direct smart',
        description: `GET Patient?_count=${LIST_COUNT}, then one GET Type?_id=a,b,... per target type (in parallel)`,
        run: async (get) => {
          const patients = resources(await get(`Patient?_count=${LIST_COUNT}`));
          const refs = patients.flatMap(patientRefs);
          const found = await readByType(get, refs);
          return refs.filter((r) => hasName(found.get(r))).length;
        },
      },
    ],
    maxUpstreamPerQuery: 3,
    serveDirect: async (get) => {
      const patients = resources(await get(`Patient?_count=${LIST_COUNT}`));
      const found = await readByType(get, patients.flatMap(patientRefs));
      const ref = (r: Json | undefined, shape: (t: Json) => Json) => {
        if (!r) return null;
        const target = typeof r['reference'] === 'string' ? found.get(r['reference']) : undefined;
        return { reference: r['reference'] ?? null, resource: target ? shape(target) : null };
      };
      const practitioner = (t: Json) => (t['resourceType'] === 'Practitioner' ? { name: ((t['name'] as Json[] | undefined) ?? []).map((n) => ({ family: n['family'] ?? null })) } : {});
      const organization = (t: Json) => (t['resourceType'] === 'Organization' ? { name: t['name'] ?? null } : {});
      return {
        PatientList: patients.map((p) => ({
          id: p['id'],
          generalPractitioner: p['generalPractitioner'] ? (p['generalPractitioner'] as Json[]).map((r) => ref(r, practitioner)) : null,
          managingOrganization: ref(p['managingOrganization'], organization),
        })),
      };
    },
  },
  {
    id: 's5',
    title: `${LIST_COUNT} Patients with Observations, Conditions, Encounters`,
    query:
      `{ PatientList(_count: ${LIST_COUNT}) { id ` +
      'ObservationList(_reference: subject, _count: 100) { id valueQuantity { value unit } } ' +
      'ConditionList(_reference: subject, _count: 100) { id } ' +
      'EncounterList(_reference: subject, _count: 100) { id status } } }',
    countGraphql: (d) => {
      let n = 0;
      for (const p of expectArray(d['PatientList'], 'PatientList', LIST_COUNT)) {
        for (const t of REVERSE_TYPES) n += expectArray(p[`${t}List`], `${t}List`).length;
      }
      return n;
    },
    direct: [
      {
        name: 'direct naive',
        description: `GET Patient?_count=${LIST_COUNT}, then GET Type?subject=Patient/x&_count=100 per patient and type (${LIST_COUNT * 3}, in parallel)`,
        run: async (get) => {
          const patients = resources(await get(`Patient?_count=${LIST_COUNT}`));
          const lists = await Promise.all(
            patients.flatMap((p) => REVERSE_TYPES.map((t) => get(`${t}?subject=Patient/${p['id']}&_count=100`))),
          );
          return lists.reduce<number>((n, b) => n + resources(b).length, 0);
        },
      },
      {
        name: 'direct smart',
        description: `GET Patient?_count=${LIST_COUNT}, then one GET Type?subject=Patient/a,Patient/b,...&_count=${BATCH_PAGE} per type (3, in parallel, next pages followed)`,
        run: async (get) => {
          const { lists } = await patientsWithReverse(get);
          return lists.reduce((n, l) => n + l.length, 0);
        },
      },
    ],
    maxUpstreamPerQuery: 4,
    serveDirect: async (get) => {
      const { patients, lists } = await patientsWithReverse(get);
      const [observations, conditions, encounters] = lists.map((l) => bySubject(l, 100)) as [Map<string, Json[]>, Map<string, Json[]>, Map<string, Json[]>];
      return {
        PatientList: patients.map((p) => {
          const ref = `Patient/${p['id']}`;
          return {
            id: p['id'],
            ObservationList: (observations.get(ref) ?? []).map((o) => ({ id: o['id'], valueQuantity: quantity(o['valueQuantity']) })),
            ConditionList: (conditions.get(ref) ?? []).map((c) => ({ id: c['id'] })),
            EncounterList: (encounters.get(ref) ?? []).map((e) => ({ id: e['id'], status: e['status'] ?? null })),
          };
        }),
      };
    },
  },
];

export const SCENARIOS: readonly Scenario[] = coreScenarios('pat-0001');
