// Grammar-valid GraphQL documents generated from the gateway's own schema (the full FHIR R4 one): random root fields
// (weighted towards what the seeded upstream has), arguments with type-correct and type-incorrect values, selections
// to a random depth (some past limits.maxDepth), aliases (some past limits.maxAliases), named, inline and cyclic
// fragments, variables (declared or not, nested input objects), @include/@skip and the FHIR directives, `fhirpath:`
// arguments. "Grammar-valid": the text parses (except lone surrogates escaped in a string, which the lexer refuses).
// About a third of the documents are "sloppy" and get mistakes against the schema on purpose (wrong value types,
// unknown arguments and directives, undeclared or mistyped variables, cyclic or missing fragments); the others are
// valid against the schema, so that about half of them run (the rest meet the depth, alias, cost and search limits).
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Rng } from './prng.ts';
import {
  anyString, cursorValue, dateLike, fhirId, fhirpathExpr, gqlString, PATIENT_IDS, slicePath, sortValue, writableId,
} from './values.ts';

export interface GraphQLRequestBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** The parts of the schema the generator walks, looked up once. */
export interface SchemaIndex {
  readonly schema: GraphQLSchema;
  readonly query: GraphQLObjectType;
  readonly mutation: GraphQLObjectType | undefined;
  readonly patient: GraphQLObjectType;
  readonly queryFields: readonly string[];
  readonly mutationFields: readonly string[];
  /** Per type name: its fields whose type is a leaf (scalar or enum), for the last level. */
  readonly leafFields: Map<string, readonly string[]>;
}

export function indexSchema(schema: GraphQLSchema): SchemaIndex {
  const query = schema.getQueryType();
  const patient = schema.getType('Patient');
  if (!query || !isObjectType(patient)) throw new Error('not the FHIR gateway schema');
  const mutation = schema.getMutationType() ?? undefined;
  return {
    schema,
    query,
    mutation,
    patient,
    queryFields: Object.keys(query.getFields()),
    mutationFields: mutation ? Object.keys(mutation.getFields()) : [],
    leafFields: new Map(),
  };
}

const QUERY_ROOTS: readonly (readonly [string, number])[] = [
  ['Patient', 20], ['PatientList', 14], ['PatientConnection', 9], ['ObservationList', 9], ['ObservationConnection', 4], ['Observation', 5],
  ['Practitioner', 2], ['PractitionerList', 2], ['Organization', 2], ['EncounterList', 2], ['ConditionList', 2], ['MedicationRequestList', 2],
  ['*', 8], ['__introspection', 4], ['__typename', 2],
];
const MUTATION_ROOTS: readonly (readonly [string, number])[] = [
  ['PatientCreate', 6], ['PatientUpdate', 3], ['PatientDelete', 2], ['ObservationCreate', 3], ['*', 2],
];
/** Field names worth walking into (the seeded data has them); the rest of a type's fields are picked uniformly. */
const PREFERRED = new Set([
  'id', 'name', 'family', 'given', 'use', 'identifier', 'value', 'system', 'code', 'coding', 'text', 'display', 'resource', 'reference',
  'subject', 'generalPractitioner', 'managingOrganization', 'ObservationList', 'ObservationConnection', 'ConditionList', 'EncounterList',
  'edges', 'count', 'next', 'first', 'mode', 'valueQuantity', 'unit', 'meta', 'versionId', 'extension', 'url', 'birthDate', '_birthDate',
  'gender', 'status', 'performer', 'sourceId', 'resourceType', 'telecom', 'address', 'outcome', 'issue', 'diagnostics', 'category', 'period',
  'start', 'effectiveDateTime', 'encounter', 'participant', 'individual', 'component', 'valueDateTime', 'qualification',
]);

interface VariableDef {
  readonly name: string;
  readonly type: string;
}

/** The state of one document being generated. */
class DocumentBuilder {
  readonly rng: Rng;
  readonly index: SchemaIndex;
  readonly variableDefs: VariableDef[] = [];
  readonly variables: Record<string, unknown> = {};
  readonly fragments: string[] = [];
  /** A sloppy document gets mistakes (wrong values and types, unknown names, cyclic fragments...); the others get none. */
  readonly sloppy: boolean;
  targetDepth: number;
  fieldBudget: number;
  #names = 0;

  constructor(rng: Rng, index: SchemaIndex) {
    this.rng = rng;
    this.index = index;
    this.sloppy = rng.chance(0.35);
    this.targetDepth = rng.chance(0.07) ? rng.int(11, 18) : rng.int(1, 6);
    this.fieldBudget = this.targetDepth > 8 ? 60 : rng.int(8, 60);
  }

  name(prefix: string): string {
    return `${prefix}${++this.#names}`;
  }

  /** A mistake with probability `p`, in sloppy documents only. */
  oops(p: number): boolean {
    return this.sloppy && this.rng.chance(p);
  }

  // --- values -------------------------------------------------------------------------------------------------

  /** An argument: inline literal, or (sometimes) a variable declared with the argument's type (or a wrong one). */
  argument(arg: GraphQLArgument, fieldName: string): string {
    const rng = this.rng;
    const correct = !this.oops(0.3);
    const value = this.value(arg.type, arg.name, fieldName, 0, correct);
    if (rng.chance(0.18)) {
      const name = this.name('v');
      if (this.oops(0.1)) return `${arg.name}: $${name}`; // undeclared
      const type = !this.oops(0.25) ? String(arg.type) : rng.pick(['String', 'Int!', '[ID]', 'Boolean', 'Nope', 'PatientCreate', String(arg.type).replace(/!$/, '')]);
      this.variableDefs.push({ name, type: rng.chance(0.05) ? `${type} = ${value.literal}` : type });
      if (!this.oops(0.1)) this.variables[name] = value.json; // else missing
      return `${arg.name}: $${name}`;
    }
    return `${arg.name}: ${value.literal}`;
  }

  value(type: GraphQLInputType, argName: string, fieldName: string, depth: number, correct: boolean): { literal: string; json: unknown } {
    const rng = this.rng;
    if (!correct && rng.chance(0.5)) return this.wrongValue();
    if (isNonNullType(type)) return this.value(type.ofType, argName, fieldName, depth, correct);
    if (isListType(type)) {
      if (rng.chance(0.3)) return this.value(type.ofType, argName, fieldName, depth + 1, correct); // input coercion of one item
      const items = Array.from({ length: rng.int(0, 3) }, () => this.value(type.ofType, argName, fieldName, depth + 1, correct));
      return { literal: `[${items.map((i) => i.literal).join(', ')}]`, json: items.map((i) => i.json) };
    }
    if (isEnumType(type)) {
      const values = type.getValues();
      if (values.length === 0 || !correct) return { literal: 'NOPE', json: 'NOPE' };
      const v = rng.pick(values).name;
      return { literal: v, json: v };
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const chosen = new Map<string, { literal: string; json: unknown }>();
      for (const f of fields) if (isNonNullType(f.type)) chosen.set(f.name, this.value(f.type, f.name, fieldName, depth + 1, correct));
      const extra = depth >= 3 || fields.length === 0 ? 0 : rng.int(0, depth === 0 ? 5 : 3);
      for (let i = 0; i < extra; i++) {
        const f = this.preferredField(fields);
        chosen.set(f.name, this.value(f.type, f.name, fieldName, depth + 1, !this.oops(0.05)));
      }
      if (!correct || this.oops(0.05)) chosen.set('nope', { literal: '1', json: 1 });
      const entries = [...chosen];
      return {
        literal: `{${entries.map(([k, v]) => `${k}: ${v.literal}`).join(', ')}}`,
        json: Object.fromEntries(entries.map(([k, v]) => [k, v.json])),
      };
    }
    return this.scalar(getNamedType(type).name, argName, fieldName);
  }

  scalar(typeName: string, argName: string, fieldName: string): { literal: string; json: unknown } {
    const rng = this.rng;
    const str = (s: string) => ({ literal: gqlString(rng, s, this.oops(0.3)), json: s });
    const num = (n: number | string) => ({ literal: String(n), json: typeof n === 'string' ? Number(n) : n });
    switch (typeName) {
      case 'ID':
        return str(/Update$|Delete$/.test(fieldName) ? writableId(rng) : fhirId(rng));
      case 'Int':
        return num(rng.pick([0, 1, 2, 3, 5, 10, 20, 21, 100, 500, 501, 10_000, -1, -100, 2_147_483_647, -2_147_483_648]));
      case 'Float':
        return num(rng.pick([0, 1.5, -2.25, 1e10, 3.4e38, 1e-300, -0.0001]));
      case 'Boolean':
        return rng.chance(0.5) ? { literal: 'true', json: true } : { literal: 'false', json: false };
      case 'ResourceTypeName': {
        const t = rng.pick(['Patient', 'Observation', 'Practitioner', 'Organization', 'Nope', 'patient', 'Resource']);
        return rng.chance(0.5) ? { literal: t, json: t } : str(t);
      }
      case 'ResourceJSON': {
        const json = rng.pick<unknown>([{ resourceType: 'Patient', id: 'c1' }, { resourceType: 'Organization', name: 'Org' }, { id: 'x' }, { resourceType: 1 }]);
        return { literal: objectLiteral(json), json };
      }
      default:
        break;
    }
    if (argName === 'fhirpath') return str(fhirpathExpr(rng));
    if (argName === '_cursor') return str(cursorValue(rng));
    if (argName === '_sort') return str(sortValue(rng));
    if (argName === 'ifMatch') return str(rng.pick(['W/"1"', '1', '"1"', 'W/"999"', '*', '']));
    if (argName === 'ifNoneExist') return str(rng.pick(['identifier=urn:demo:mrn:main|M000001', 'identifier=urn:fuzz|1', '_id=pat-0002', 'nope=1', '', '&&', anyString(rng)]));
    if (argName === 'sourceId') return str(rng.pick(['demo', 'demo', 'nope', '', 'DEMO', '../demo']));
    if (/date|Date|_lastUpdated|period|time|Time|issued|instant/.test(argName)) return str(dateLike(rng));
    if (argName === 'id' || argName === '_id' || argName === 'subject' || argName === 'patient') return str(rng.chance(0.5) ? fhirId(rng) : `Patient/${rng.pick(PATIENT_IDS)}`);
    return str(anyString(rng));
  }

  wrongValue(): { literal: string; json: unknown } {
    return this.rng.pick<{ literal: string; json: unknown }>([
      { literal: '1', json: 1 }, { literal: '"x"', json: 'x' }, { literal: 'true', json: true }, { literal: 'null', json: null },
      { literal: '[1, "a"]', json: [1, 'a'] }, { literal: '{a: 1}', json: { a: 1 } }, { literal: 'ENUM_X', json: 'ENUM_X' }, { literal: '1.5', json: 1.5 },
      { literal: '2147483648', json: 2_147_483_648 }, { literal: '-2147483649', json: -2_147_483_649 }, { literal: '1e400', json: 1e308 * 10 },
      { literal: '99999999999999999999999', json: 99_999_999_999_999_999_999_999 }, { literal: '[[[[]]]]', json: [[[[]]]] }, { literal: '""', json: '' },
      { literal: '{resourceType: "Patient", contained: [{}]}', json: { resourceType: 'Patient', contained: [{}] } },
    ]);
  }

  // --- selections ---------------------------------------------------------------------------------------------

  preferredField<F extends { name: string }>(fields: readonly F[]): F {
    const rng = this.rng;
    if (rng.chance(0.55)) {
      const preferred = fields.filter((f) => PREFERRED.has(f.name));
      if (preferred.length > 0) return rng.pick(preferred);
    }
    return rng.pick(fields);
  }

  /**
   * `{ ... }` of a composite type at `depth` (the field holding it is at depth - 1). `used`: the response names already
   * taken at this level (inline fragments and spreads merge into it), so that a field picked twice gets an alias
   * rather than a conflict (except by mistake).
   */
  selectionSet(type: GraphQLNamedType, depth: number, shared?: Set<string>): string {
    const used = shared ?? new Set<string>();
    const rng = this.rng;
    if (isUnionType(type) || (isInterfaceType(type) && rng.chance(0.8))) {
      const possible = this.index.schema.getPossibleTypes(type);
      const preferred = possible.filter((t) => ['Patient', 'Observation', 'Practitioner', 'Organization', 'Encounter'].includes(t.name));
      const parts = Array.from({ length: rng.int(1, 2) }, () => {
        const t = preferred.length > 0 && rng.chance(0.8) ? rng.pick(preferred) : rng.pick(possible);
        return `... on ${t.name} ${this.selectionSet(t, depth, used)}`;
      });
      if (rng.chance(0.4)) parts.unshift('__typename');
      return `{ ${parts.join(' ')} }`;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) return '';
    const fields = Object.values(type.getFields());
    const parts: string[] = [];
    const count = depth <= 1 ? rng.int(1, 2) : rng.int(1, depth > 4 ? 2 : 4);
    for (let i = 0; i < count; i++) {
      if (--this.fieldBudget < 0) break;
      const wantsComposite = i === 0 && depth < this.targetDepth;
      const candidates = wantsComposite ? fields.filter((f) => !isLeafType(getNamedType(f.type))) : depth >= this.targetDepth ? this.leaves(type.name, fields) : fields;
      if (candidates.length === 0) continue;
      const roll = rng.next();
      if (roll < 0.03) parts.push(this.spread(type, depth, used));
      else if (roll < 0.05) parts.push(`... ${rng.chance(0.5) ? `on ${type.name} ` : ''}${this.directive(true)}${this.selectionSet(type, depth, used)}`);
      else parts.push(this.field(this.preferredField(candidates), depth, used));
    }
    if (parts.length === 0) parts.push(this.oops(0.1) ? 'id' : '__typename');
    return `{ ${parts.join(' ')} }`;
  }

  leaves(typeName: string, fields: readonly GraphQLField<unknown, unknown>[]): readonly GraphQLField<unknown, unknown>[] {
    const names = this.index.leafFields.get(typeName) ?? fields.filter((f) => isLeafType(getNamedType(f.type))).map((f) => f.name);
    this.index.leafFields.set(typeName, names);
    return fields.filter((f) => names.includes(f.name));
  }

  field(field: GraphQLField<unknown, unknown>, depth: number, used = new Set<string>()): string {
    const rng = this.rng;
    let text = '';
    if (this.oops(0.05)) text += `${rng.pick(['id', 'name', '__typename', 'resource'])}: `; // an alias that may conflict
    else if (rng.chance(0.08) || (used.has(field.name) && !this.oops(0.3))) text += `${this.name('a')}: `;
    else used.add(field.name);
    text += field.name;
    const args = field.args.filter((a) => (isNonNullType(a.type) ? !this.oops(0.05) : rng.chance(a.name === 'fhirpath' ? 0.3 : 0.2)));
    if (this.oops(0.02)) args.push({ name: 'nope', type: field.args[0]?.type ?? getNamedType(field.type) } as GraphQLArgument);
    if (args.length > 0) text += `(${args.map((a) => this.argument(a, field.name)).join(', ')})`;
    if (rng.chance(0.1)) text += ` ${this.directive(false)}`;
    const named = getNamedType(field.type);
    if (!isLeafType(named)) text += ` ${this.selectionSet(named, depth + 1)}`;
    else if (this.oops(0.02)) text += ' { id }'; // a selection on a leaf
    return text;
  }

  directive(fragment: boolean): string {
    const rng = this.rng;
    const bool = () => {
      if (!rng.chance(0.3)) return rng.chance(0.5) ? 'true' : 'false';
      const name = this.name('b');
      this.variableDefs.push({ name, type: this.oops(0.3) ? 'Boolean' : 'Boolean!' });
      if (!this.oops(0.1)) this.variables[name] = this.sloppy ? rng.pick<unknown>([true, false, 'yes', null]) : rng.chance(0.7);
      return `$${name}`;
    };
    if (fragment) return rng.chance(0.5) ? `@include(if: ${bool()}) ` : '';
    const misuse: readonly (readonly [() => string, number])[] = this.sloppy
      ? [[() => '@first @first', 1], [() => '@slice', 1], [() => '@nope', 1], [() => '@slice(path: 1)', 1], [() => '@deprecated', 1]]
      : [];
    return rng.weighted<() => string>([
      [() => `@include(if: ${bool()})`, 2], [() => `@skip(if: ${bool()})`, 2], [() => '@flatten', 3], [() => '@first', 3], [() => '@singleton', 2],
      [() => `@slice(path: ${gqlString(rng, slicePath(rng), this.sloppy)})`, 3], [() => '@flatten @first', 1], [() => '@flatten @slice(path: "$index") @singleton', 0.5],
      ...misuse,
    ])();
  }

  spread(type: GraphQLObjectType | GraphQLInterfaceType, depth: number, used: Set<string>): string {
    const rng = this.rng;
    const roll = this.sloppy ? rng.next() : 1;
    if (roll < 0.3) {
      const a = this.name('Cy');
      const b = this.name('Cy');
      this.fragments.push(`fragment ${a} on ${type.name} { __typename ...${b} }`, `fragment ${b} on ${type.name} { ...${a} }`);
      return `...${a}`;
    }
    if (roll < 0.4) return `...${this.name('Missing')}`;
    const name = this.name('F');
    const on = this.oops(0.2) ? rng.pick(['Observation', 'Query', 'Nope', 'HumanName']) : type.name;
    this.fragments.push(`fragment ${name} on ${on} ${this.selectionSet(type, depth, used)}`);
    return `...${name}${rng.chance(0.05) ? ' @skip(if: false)' : ''}`;
  }

  // --- operations ---------------------------------------------------------------------------------------------

  rootField(kind: 'query' | 'mutation', used: Set<string>): string {
    const rng = this.rng;
    const root = kind === 'mutation' && this.index.mutation ? this.index.mutation : this.index.query;
    const all = kind === 'mutation' ? this.index.mutationFields : this.index.queryFields;
    const choice = rng.weighted(kind === 'mutation' ? MUTATION_ROOTS : QUERY_ROOTS);
    if (choice === '__typename') return rng.chance(0.5) ? '__typename' : `${this.name('t')}: __typename`;
    if (choice === '__introspection') return this.introspection();
    const name = choice === '*' || !root.getFields()[choice] ? rng.pick(all) : choice;
    return this.field(root.getFields()[name]!, 1, used);
  }

  introspection(): string {
    const rng = this.rng;
    const ofTypes = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;
    return rng.pick([
      `__type(name: ${JSON.stringify(rng.pick(['Patient', 'Query', 'HumanName', 'Nope', '']))}) { name kind fields { name type { name kind ${ofTypes(2)} } } }`,
      '__schema { queryType { name } mutationType { name } directives { name locations args { name } } }',
      '__schema { types { name } }',
      `__type(name: "Patient") { fields { type { ${ofTypes(rng.int(10, 20))} } } }`,
      '__schema { queryType { name } } t2: __type(name: "Patient") { name }',
      '__type(name: "PatientCreate") { inputFields { name defaultValue } }',
    ]);
  }

  operation(kind: 'query' | 'mutation' | 'subscription', name: string | undefined): string {
    const rng = this.rng;
    const fields: string[] = [];
    if (rng.chance(0.02)) {
      // past limits.maxAliases (30): many aliased copies of one cheap root field
      const copy = rng.chance(0.5) ? '__typename' : `Patient(id: ${JSON.stringify(rng.pick(PATIENT_IDS))}) { id }`;
      for (let i = 0, n = rng.int(25, 45); i < n; i++) fields.push(`${this.name('al')}: ${copy}`);
    } else {
      const used = new Set<string>();
      for (let i = 0, n = rng.chance(0.8) ? 1 : rng.int(2, 3); i < n; i++) fields.push(this.rootField(kind === 'mutation' ? 'mutation' : 'query', used));
    }
    const defs = this.variableDefs.splice(0);
    if (this.oops(0.1)) defs.push({ name: this.name('unused'), type: 'String' });
    const head = defs.length > 0 || name !== undefined || kind !== 'query' || rng.chance(0.2)
      ? `${kind}${name ? ` ${name}` : ''}${defs.length > 0 ? `(${defs.map((d) => `$${d.name}: ${d.type}`).join(', ')})` : ''} `
      : '';
    return `${head}{ ${fields.join(' ')} }`;
  }
}

/** One request body for /graphql or the system-level `$graphql`. */
export function generateRequest(rng: Rng, index: SchemaIndex): GraphQLRequestBody {
  const b = new DocumentBuilder(rng, index);
  const kind = rng.weighted<'query' | 'mutation' | 'subscription'>([['query', 82], ['mutation', 17], ['subscription', 1]]);
  const operations: string[] = [];
  const names: string[] = [];
  const count = rng.chance(0.04) ? rng.int(2, 3) : 1;
  for (let i = 0; i < count; i++) {
    const name = count > 1 || rng.chance(0.3) ? b.name('Op') : undefined;
    if (name) names.push(name);
    operations.push(b.operation(i === 0 ? kind : 'query', name));
  }
  const query = [...operations, ...b.fragments].join('\n');
  const body: GraphQLRequestBody = { query };
  if (Object.keys(b.variables).length > 0) body.variables = b.variables;
  if (names.length > 0 && (count === 1 ? rng.chance(0.5) : !b.oops(0.3))) body.operationName = b.oops(0.2) ? 'NoSuchOperation' : rng.pick(names);
  return body;
}

/**
 * A query for an instance-level `$graphql` (`/fhir/Patient/pat-0001/$graphql`): its selections are fields of the
 * focus resource; sometimes a mutation (refused there) or several operations.
 */
export function generateInstanceRequest(rng: Rng, index: SchemaIndex): GraphQLRequestBody {
  const b = new DocumentBuilder(rng, index);
  const selection = b.selectionSet(index.patient, 2);
  const defs = b.variableDefs.splice(0);
  const vars = defs.length > 0 ? `(${defs.map((d) => `$${d.name}: ${d.type}`).join(', ')})` : '';
  const keyword = rng.chance(0.05) ? 'mutation' : vars !== '' || rng.chance(0.2) ? 'query' : '';
  const query = [`${keyword ? `${keyword}${vars} ` : ''}${selection}`, ...b.fragments].join('\n');
  const body: GraphQLRequestBody = { query };
  if (Object.keys(b.variables).length > 0) body.variables = b.variables;
  return body;
}

/**
 * A document near the token limit (limits.maxDocumentTokens, 10,000 by default) that parses: a dense selection or
 * many aliases, each one distinct. These are what a parse cache holds at the most heap per entry.
 */
export function generateLargeRequest(rng: Rng, caseIndex: number): GraphQLRequestBody {
  const tokens = rng.int(3000, 9990);
  const shape = rng.pick(['dense', 'aliases', 'comments', 'directives', 'fhirpath']);
  let body = '';
  if (shape === 'dense') body = '__typename '.repeat(tokens - 3);
  else if (shape === 'aliases') body = Array.from({ length: Math.floor((tokens - 3) / 3) }, (_, i) => `x${i}: __typename`).join(' ');
  else if (shape === 'comments') body = `__typename\n${'#c\n'.repeat(tokens - 4)}`;
  else if (shape === 'directives') body = '__typename @skip(if: false) '.repeat(Math.floor((tokens - 3) / 8));
  // one token, ~tokens * 8 bytes: a long FHIRPath chain for the worker's parser
  else body = `Patient(id: "pat-0001") { name(fhirpath: ${JSON.stringify(`family.exists()${' or true'.repeat(tokens)}`)}) { family } }`;
  return { query: `# case ${caseIndex}\n{ ${body} }` };
}

function objectLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(objectLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}: ${objectLiteral(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}
