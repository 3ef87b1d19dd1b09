// FHIRPath in the worker gives what HL7's engine gives on the main thread (the engine is loaded here only to compare),
// returns the caller's own objects, and turns bad expressions and odd data into clear errors, never a crash.
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import { FhirpathError, FhirpathPool } from '../../../src/fhir/fhirpath/fhirpath.ts';
import { hl7ExamplePatient } from '../../helpers/hl7-example-patient.ts';

const pool = new FhirpathPool();
afterAll(() => pool.close());

const patient = structuredClone(hl7ExamplePatient);
const observation = {
  resourceType: 'Observation',
  id: 'bp',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
  effectiveDateTime: '2024-01-05',
  valueQuantity: { value: 7.2, unit: 'mmol/L' },
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
    { code: { text: 'note' }, valueString: 'sitting' },
  ],
};

/** What the engine itself answers on this thread (the way the gateway evaluated before the worker). */
function engine(item: unknown, expression: string, base?: string, root?: unknown): unknown[] {
  const env = { resource: root ?? item, rootResource: root ?? item };
  return fhirpath.evaluate(structuredClone(item), base ? { base, expression } : expression, env, r4, { traceFn: () => undefined });
}

function engineFilter<T>(items: readonly T[], expression: string, base?: string, root?: unknown): T[] {
  return items.filter((item) => {
    const r = engine(item, expression, base, root);
    return r.length > 0 && (r.length !== 1 || typeof r[0] !== 'boolean' || r[0]);
  });
}

describe('the same answers as the engine', () => {
  it.each([
    ["use = 'official'"], // the HL7 FHIR GraphQL page: name(fhirpath: ...)
    ['family.exists()'],
    ["given.first() = 'Peter'"],
    ['%resource.active'],
    ['%resource.active.not()'],
    ['given'], // not a boolean: true when not empty
    ["use = 'nickname'"],
  ])('filter Patient.name by %s (base Patient.name, %%resource the Patient)', async (expression) => {
    const got = await pool.filter(patient.name, expression, { base: 'Patient.name', root: patient });
    expect(got).toEqual(engineFilter(patient.name, expression, 'Patient.name', patient));
  });

  it('keeps choice elements typed with a base: Observation.value[x] and Observation.component.value[x]', async () => {
    expect(await pool.filter(observation.component, 'value.value > 100', { base: 'Observation.component', root: observation })).toEqual([
      observation.component[0],
    ]);
    expect(await pool.filter(observation.component, 'value is string', { base: 'Observation.component', root: observation })).toEqual([
      observation.component[2],
    ]);
    const expressions = ['value.ofType(Quantity).value', 'value is Quantity', 'effective', "value.unit = 'mmol/L'", 'component.value.ofType(Quantity).value.sum()'];
    for (const expression of expressions) {
      const [got] = await pool.evaluate([observation], expression, { base: 'Observation' });
      expect(got, expression).toEqual(engine(observation, expression, 'Observation'));
      expect(got!.length, expression).toBeGreaterThan(0);
    }
  });

  it('evaluates on whole resources (no base), per item, and returns JSON values (dates, quantities as the engine prints them)', async () => {
    const expressions = [
      "name.where(use = 'official').family",
      "telecom.where(system = 'phone').value",
      'name.given.count()',
      "birthDate.exists() or name.exists(use = 'usual')",
      "@2024-01-05 + 1 month",
      "1 'mg' + 2 'mg'",
      '(1.5 * 2).toString()',
    ];
    for (const expression of expressions) {
      const got = await pool.evaluate([patient, observation], expression);
      expect(got, expression).toEqual([engine(patient, expression), engine(observation, expression)]);
      expect(JSON.parse(JSON.stringify(got))).toEqual(got); // plain JSON
    }
    expect(await pool.evaluate([observation], "effective + 1 day", { base: 'Observation' })).toEqual([['2024-01-06']]);
  });

  it('returns the original objects, in order, null items dropped, Symbol-tagged items included', async () => {
    const tag = Symbol('origin');
    const items = [
      { use: 'official', family: 'A' },
      null,
      { use: 'usual', family: 'B' },
      undefined,
      { use: 'official', family: 'C' },
    ] as ({ use: string; family: string; [tag]?: unknown } | null | undefined)[];
    items[0]![tag] = { root: items }; // the gateway's origin tag (a Symbol key): not cloned, and kept on the original
    const got = await pool.filter(items, "use = 'official'", { base: 'Patient.name' });
    expect(got).toHaveLength(2);
    expect(got[0]).toBe(items[0]);
    expect(got[1]).toBe(items[4]);
    expect(got[0]![tag]).toEqual({ root: items });
    expect(await pool.filter(items, 'true')).toEqual([items[0], items[2], items[4]]);
    expect(await pool.evaluate(items, 'family')).toEqual([['A'], [], ['B'], [], ['C']]);
    expect(await pool.filter([], 'true')).toEqual([]);
    await expect(pool.filter([], 'use.(')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' }); // whatever the data
  });
});

describe('errors', () => {
  it('an invalid expression is BAD_USER_INPUT naming it with the engine\'s short message (no stack), from filter, evaluate and check', async () => {
    for (const call of [
      () => pool.filter([{}], 'use.('),
      () => pool.evaluate([{}], 'use.('),
      () => pool.check('use.('),
      () => pool.check('use.(', 'Patient.name'),
    ]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(FhirpathError);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect((error as Error).message).toMatch(/^Invalid FHIRPath expression "use\.\(": line: 1; column: \d+; message: mismatched input '\('$/);
    }
    await expect(pool.check("name.where(use = 'official')", 'Patient')).resolves.toBeUndefined();
  });

  it('an evaluation error, an empty or too long expression: BAD_USER_INPUT', async () => {
    await expect(pool.filter([{}], "'a'.noSuchFunction()")).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: `FHIRPath expression "'a'.noSuchFunction()" could not be evaluated: Not implemented: noSuchFunction`,
    });
    await expect(pool.filter([{ a: 1 }, { a: 2 }], 'a.single() + (1 | 2)')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(pool.check('   ')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(pool.check(`true and ${'true and '.repeat(300)}true`)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'FHIRPath expression is longer than 2000 characters',
    });
    // asynchronous engine functions (terminology servers) are refused, not run
    await expect(pool.filter([{ code: 'x' }], "code.memberOf('http://hl7.org/fhir/ValueSet/x')")).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('odd data does not crash anything: deep nesting, cycles, bigints, dates, non-finite numbers, functions', async () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 2_000; i++) deep = { a: deep };
    expect(await pool.filter([deep], 'a.a.a.exists()')).toEqual([deep]);
    const cyclic: Record<string, unknown> = { resourceType: 'Patient', name: [{ family: 'Loop' }] };
    cyclic['self'] = cyclic;
    expect(await pool.evaluate([cyclic], 'name.family')).toEqual([['Loop']]);
    expect(await pool.evaluate([{ a: 10n, b: new Date(0), c: Infinity }], 'a | b | c')).toEqual([['10', '1970-01-01T00:00:00.000Z', 'Infinity']]);
    const withFunction = await pool.evaluate([{ a: () => 1 }], 'a').then(() => undefined, (e: unknown) => e);
    expect(withFunction).toBeInstanceOf(Error);
    expect(withFunction).not.toBeInstanceOf(FhirpathError); // our data, not the client's: an internal error
    // the worker is still fine afterwards
    expect(await pool.filter([{ a: 1 }], 'a = 1')).toEqual([{ a: 1 }]);
    expect(pool.stats().stopped).toBe(0);
  });

  it('trace() writes nothing to the server\'s stdout or stderr', async () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    try {
      expect(await pool.filter([{ a: 1 }], "a.trace('fhirpath-trace-marker') = 1")).toEqual([{ a: 1 }]);
      await new Promise((resolve) => setTimeout(resolve, 100)); // worker output would be piped here meanwhile
      const written = [...out.mock.calls, ...err.mock.calls].map((c) => String(c[0])).join('');
      expect(written).not.toContain('fhirpath-trace-marker');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
