// A source's CapabilityStatement as the gateway reads it: types, per-type search parameters, and the parameters
// declared for every type at once (rest.searchParam), which is how a server may declare `_filter`.
import { describe, expect, it } from 'vitest';
import { declaresFilter } from '../../src/fhir/source-choice.ts';
import { parseCapabilities, unsupportedParams } from '../../src/sources/capabilities.ts';
import type { Source } from '../../src/sources/source-registry.ts';

const statement = (rest: object) => ({ resourceType: 'CapabilityStatement', rest: [{ mode: 'server', ...rest }] });
const sourceWith = (capabilities: ReturnType<typeof parseCapabilities>) => ({ id: 'a', capabilities }) as unknown as Source;

describe('parseCapabilities', () => {
  it('reads types and their search parameters; _filter is never assumed', () => {
    const c = parseCapabilities(statement({ resource: [{ type: 'Patient', searchParam: [{ name: 'family', type: 'string' }] }] }), ['Patient']);
    expect([...c.resourceTypes!]).toEqual(['Patient']);
    expect(unsupportedParams(c, 'Patient', ['family', '_count'])).toEqual([]);
    expect(unsupportedParams(c, 'Patient', ['_filter'])).toEqual(['_filter']);
    expect(declaresFilter(sourceWith(c), 'Patient')).toBe(false);
  });

  it('a _filter declared for the type, or for every type at the rest level, counts', () => {
    const perType = parseCapabilities(statement({ resource: [{ type: 'Patient', searchParam: [{ name: '_filter', type: 'special' }] }] }), ['Patient']);
    expect(declaresFilter(sourceWith(perType), 'Patient')).toBe(true);
    const restLevel = parseCapabilities(statement({ resource: [{ type: 'Patient' }], searchParam: [{ name: '_filter', type: 'special' }] }), ['Patient']);
    expect([...restLevel.allTypesSearchParams]).toEqual(['_filter']);
    expect(declaresFilter(sourceWith(restLevel), 'Patient')).toBe(true);
    expect(declaresFilter(sourceWith(restLevel), 'Observation')).toBe(true);
    const both = parseCapabilities(statement({ resource: [{ type: 'Patient', searchParam: [{ name: 'family', type: 'string' }] }], searchParam: [{ name: '_filter', type: 'special' }] }), ['Patient']);
    expect(unsupportedParams(both, 'Patient', ['family', '_filter'])).toEqual([]);
  });
});
