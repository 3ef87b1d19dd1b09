// Deterministic synthetic FHIR R4 demo data. Same options => byte-identical output (seeded PRNG,
// fixed dates; never Math.random or the clock).
//
// Ids: `${idPrefix}-` (when given) + `org-001`, `prac-001`, `pat-0001`, `enc-0001-1`, `obs-0001-01`,
// `cond-0001-1`, `medrx-0001-1` (widths grow for large counts).
// A patient's demographics (name, gender, birthDate, address, national id) depend only on the seed and
// the patient index, so two sources seeded with the same seed but different idPrefix hold "the same
// people" under different local ids and MRN systems; their clinical data differs per source.
import type {
  Condition, Element, Encounter, MedicationRequest, Observation, Organization, Patient, Practitioner, Reference, Resource,
} from '@medplum/fhirtypes';
import {
  CITIES, CONDITIONS, ENCOUNTER_TYPES, FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, MEDICATIONS, ORGANIZATION_NAMES,
  STREETS, VITAL_SIGNS,
} from './synthetic-vocabulary.ts';

export interface SyntheticDataOptions { patients: number; seed?: number; idPrefix?: string }

/** US SSN OID, used as the cross-source person identifier. */
export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.840.1.113883.4.1';
/** Local MRN system, + idPrefix or 'main'. */
export const MRN_SYSTEM_BASE = 'urn:demo:mrn:';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
export const DEFAULT_SEED = 1;

const META = { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' };
const DAY = 86_400_000;
const CLINICAL_START = Date.UTC(2015, 0, 1);
const CLINICAL_END = Date.UTC(2024, 11, 31);
const BIRTH_START = Date.UTC(1930, 0, 1);
const BIRTH_END = Date.UTC(2020, 11, 31);

interface Rng { next(): number; int(min: number, max: number): number; pick<T>(arr: readonly T[]): T; chance(p: number): boolean }

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (arr) => arr[int(0, arr.length - 1)]!, chance: (p) => next() < p };
}

/** 32-bit mix of a few integers (murmur3 finaliser per step). */
function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isoDateTime = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const round = (v: number, decimals: number): number => Number(v.toFixed(decimals));
const ref = <T extends Resource>(type: T['resourceType'], id: string): Reference<T> => ({ reference: `${type}/${id}` });
/** A time between from and to (ms), on a 5-minute grid. */
const between = (rng: Rng, from: number, to: number): number =>
  from + Math.floor((rng.next() * Math.max(0, to - from)) / 300_000) * 300_000;

/** National id '999-NN-NNNN': a bijection of the patient index (< 1e6) for a given seed; independent of idPrefix. */
export function nationalId(index: number, seed: number = DEFAULT_SEED): string {
  const n = (index * 7919 + (mix(seed, 0x55) % 1_000_000)) % 1_000_000;
  const s = pad(n, 6);
  return `999-${s.slice(0, 2)}-${s.slice(2)}`;
}

function phone(rng: Rng): string {
  return `555-${pad(rng.int(200, 999), 3)}-${pad(rng.int(0, 9999), 4)}`;
}

function address(rng: Rng): NonNullable<Patient['address']>[number] {
  const place = rng.pick(CITIES);
  return { use: 'home', line: [`${rng.int(1, 1999)} ${rng.pick(STREETS)}`], city: place.city, state: place.state, postalCode: place.zip, country: 'US' };
}

/** The id of the `index`th (1-based) of `patients` generated patients: `pat-0001`, `lab-pat-0001`. */
export function syntheticPatientId(index: number, patients: number, idPrefix?: string): string {
  return `${idPrefix ? `${idPrefix}-` : ''}pat-${pad(index, Math.max(4, String(Math.max(0, Math.floor(patients))).length))}`;
}

export function generateSyntheticResources(opts: SyntheticDataOptions): Resource[] {
  const seed = opts.seed ?? DEFAULT_SEED;
  const n = Math.max(0, Math.floor(opts.patients));
  const prefix = opts.idPrefix ? `${opts.idPrefix}-` : '';
  const mrnSystem = MRN_SYSTEM_BASE + (opts.idPrefix ?? 'main');
  const sourceSalt = strHash(opts.idPrefix ?? 'main');
  const orgCount = Math.max(3, Math.round(n / 10));
  const pracCount = Math.max(5, Math.round(n / 5));
  const orgW = Math.max(3, String(orgCount).length);
  const pracW = Math.max(3, String(pracCount).length);
  const patW = Math.max(4, String(n).length);
  const orgId = (i: number): string => `${prefix}org-${pad(i, orgW)}`;
  const pracId = (i: number): string => `${prefix}prac-${pad(i, pracW)}`;

  const organizations: Organization[] = [];
  for (let i = 1; i <= orgCount; i++) {
    const rng = mulberry32(mix(seed, i, 0x0a9));
    const base = ORGANIZATION_NAMES[(i - 1) % ORGANIZATION_NAMES.length]!;
    const round_ = Math.floor((i - 1) / ORGANIZATION_NAMES.length);
    organizations.push({
      resourceType: 'Organization', id: orgId(i), meta: { ...META }, active: true,
      identifier: [{ system: NPI_SYSTEM, value: `1${pad(mix(seed, i, 0x0b1) % 1e9, 9)}` }],
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
      name: round_ ? `${base} ${round_ + 1}` : base,
      telecom: [{ system: 'phone', value: phone(rng), use: 'work' }],
      address: [{ ...address(rng), use: 'work' }],
    });
  }

  const practitioners: Practitioner[] = [];
  for (let i = 1; i <= pracCount; i++) {
    const rng = mulberry32(mix(seed, i, 0x9ac));
    const male = rng.chance(0.5);
    const p: Practitioner = {
      resourceType: 'Practitioner', id: pracId(i), meta: { ...META }, active: true,
      identifier: [{ system: NPI_SYSTEM, value: `2${pad(mix(seed, i, 0x9a1) % 1e9, 9)}` }],
      name: [{ use: 'official', family: rng.pick(FAMILY_NAMES), given: [rng.pick(male ? MALE_GIVEN : FEMALE_GIVEN)], prefix: ['Dr.'] }],
      gender: male ? 'male' : 'female',
      telecom: [{ system: 'phone', value: phone(rng), use: 'work' }],
    };
    if (rng.chance(0.6)) {
      p.qualification = [{ code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }], text: 'MD' } }];
    }
    practitioners.push(p);
  }

  const patients: Patient[] = [];
  const encounters: Encounter[] = [];
  const observations: Observation[] = [];
  const conditions: Condition[] = [];
  const medicationRequests: MedicationRequest[] = [];

  for (let i = 1; i <= n; i++) {
    const pid = syntheticPatientId(i, n, opts.idPrefix);
    const key = pad(i, patW);
    const subject = ref<Patient>('Patient', pid);
    // Demographics: seed + index only.
    const d = mulberry32(mix(seed, i, 0xde0));
    const male = d.chance(0.5);
    const givenList = male ? MALE_GIVEN : FEMALE_GIVEN;
    const given = [d.pick(givenList)];
    if (d.chance(0.35)) given.push(d.pick(givenList));
    const birthMs = BIRTH_START + d.int(0, (BIRTH_END - BIRTH_START) / DAY) * DAY;
    const patient: Patient & { _birthDate?: Element } = {
      resourceType: 'Patient', id: pid, meta: { ...META },
      identifier: [
        { use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] }, system: mrnSystem, value: `M${pad(i, 6)}` },
        { use: 'official', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS', display: 'Social Security number' }] }, system: NATIONAL_ID_SYSTEM, value: nationalId(i, seed) },
      ],
      active: true,
      name: [{ use: 'official', family: d.pick(FAMILY_NAMES), given }],
      telecom: [{ system: 'phone', value: phone(d), use: d.chance(0.5) ? 'home' : 'mobile' }],
      gender: male ? 'male' : 'female',
      birthDate: isoDate(birthMs),
      address: [address(d)],
    };
    if (i % 10 === 1) {
      const birthTime = birthMs + d.int(0, 287) * 300_000;
      patient._birthDate = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: isoDateTime(birthTime) }] };
    }

    // Clinical data: seed + index + source.
    const c = mulberry32(mix(seed, i, sourceSalt));
    const gp = pracId(c.int(1, pracCount));
    const org = orgId(c.int(1, orgCount));
    patient.generalPractitioner = [ref<Practitioner>('Practitioner', gp)];
    patient.managingOrganization = ref<Organization>('Organization', org);
    patients.push(patient);
    const from = Math.max(birthMs, CLINICAL_START);
    const pickDoctor = (): string => (c.chance(0.7) ? gp : pracId(c.int(1, pracCount)));

    const myEncounters: Encounter[] = [];
    for (let k = 1, count = c.int(1, 4); k <= count; k++) {
      const inpatient = c.chance(0.2);
      const start = between(c, from, CLINICAL_END) + 8 * 3_600_000;
      const end = start + (inpatient ? c.int(1, 7) * DAY : c.int(3, 12) * 300_000);
      const type = c.pick(inpatient ? ENCOUNTER_TYPES.IMP : ENCOUNTER_TYPES.AMB);
      myEncounters.push({
        resourceType: 'Encounter', id: `${prefix}enc-${key}-${k}`, meta: { ...META }, status: 'finished',
        class: inpatient
          ? { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' }
          : { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        type: [{ coding: [{ system: 'http://snomed.info/sct', code: type.code, display: type.display }], text: type.display }],
        subject,
        participant: [{ individual: ref<Practitioner>('Practitioner', pickDoctor()) }],
        period: { start: isoDateTime(start), end: isoDateTime(end) },
        serviceProvider: ref<Organization>('Organization', c.chance(0.8) ? org : orgId(c.int(1, orgCount))),
      });
    }
    encounters.push(...myEncounters);

    for (let k = 1, count = c.int(5, 20); k <= count; k++) {
      const vital = c.pick(VITAL_SIGNS);
      const enc = c.chance(0.5) ? c.pick(myEncounters) : undefined;
      const at = enc ? Date.parse(enc.period!.start!) : between(c, from, CLINICAL_END) + 8 * 3_600_000;
      const ageYears = (at - birthMs) / (365.25 * DAY);
      let { min, max } = vital;
      if (ageYears < 16 && (vital.loinc === '29463-7' || vital.loinc === '8302-2')) {
        const f = Math.max(0.08, ageYears / 16); // children are smaller
        min = round(min * f, 1) || 2.5;
        max = round(max * f, 1) || 5;
      }
      const obs: Observation = {
        resourceType: 'Observation', id: `${prefix}obs-${key}-${pad(k, 2)}`, meta: { ...META }, status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: vital.loinc, display: vital.display }], text: vital.display },
        subject,
        performer: [ref<Practitioner>('Practitioner', pickDoctor())],
        effectiveDateTime: isoDateTime(at),
        valueQuantity: { value: round(min + c.next() * (max - min), vital.decimals), unit: vital.unit, system: 'http://unitsofmeasure.org', code: vital.ucum },
      };
      if (enc) obs.encounter = ref<Encounter>('Encounter', enc.id!);
      observations.push(obs);
    }

    const chosen = new Set<number>();
    for (let k = 1, count = c.int(1, 4); k <= count; k++) {
      let idx = c.int(0, CONDITIONS.length - 1);
      while (chosen.has(idx)) idx = (idx + 1) % CONDITIONS.length;
      chosen.add(idx);
      const cond = CONDITIONS[idx]!;
      const onset = between(c, birthMs, CLINICAL_END);
      const active = c.chance(0.8);
      conditions.push({
        resourceType: 'Condition', id: `${prefix}cond-${key}-${k}`, meta: { ...META },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: active ? 'active' : 'resolved' }] },
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
        code: { coding: [{ system: 'http://snomed.info/sct', code: cond.code, display: cond.display }], text: cond.display },
        subject,
        onsetDateTime: isoDateTime(onset),
        recordedDate: isoDateTime(Math.min(CLINICAL_END, onset + c.int(0, 60) * DAY)),
      });
    }

    for (let k = 1, count = c.int(1, 3); k <= count; k++) {
      const med = c.pick(MEDICATIONS);
      medicationRequests.push({
        resourceType: 'MedicationRequest', id: `${prefix}medrx-${key}-${k}`, meta: { ...META },
        status: c.chance(0.7) ? 'active' : 'completed', intent: 'order',
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: med.code, display: med.display }], text: med.display },
        subject,
        requester: ref<Practitioner>('Practitioner', pickDoctor()),
        authoredOn: isoDateTime(between(c, from, CLINICAL_END)),
        dosageInstruction: [{ text: med.dosage }],
      });
    }
  }

  return [...organizations, ...practitioners, ...patients, ...encounters, ...observations, ...conditions, ...medicationRequests];
}
