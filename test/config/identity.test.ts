import { describe, expect, it } from 'vitest';
import { usage } from '../../src/config/load-config.ts';
import { load, problemsOf } from './helpers.ts';

const BSN = 'urn:oid:2.16.840.1.113883.2.4.6.3';
const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const file = (identity: unknown): Record<string, unknown> => ({ '/work/gw.json': { identity } });

describe('identity.patientIdentifierSystems', () => {
  it('defaults to none', () => {
    expect(load().identity).toEqual({ patientIdentifierSystems: [] });
    expect(load(['-c', 'gw.json'], {}, file({})).identity).toEqual({ patientIdentifierSystems: [] });
  });

  it('keeps urn: and http(s) systems exactly as written, in order', () => {
    const systems = [BSN, SSN, 'https://Example.org/ids/MRN', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66'];
    const config = load(['-c', 'gw.json'], {}, file({ patientIdentifierSystems: systems }));
    expect(config.identity.patientIdentifierSystems).toEqual(systems);
    expect(Object.isFrozen(config.identity.patientIdentifierSystems)).toBe(true);
  });

  it('reports relative, non-http(s), malformed and repeated systems with their index', () => {
    const systems = ['mrn', 'ftp://x.example/id', 'urn:x', 'http://a.example/has space', 42, BSN, BSN, 'urn:oid:1.2 3'];
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ patientIdentifierSystems: systems })))).toEqual([
      'config file gw.json: identity.patientIdentifierSystems[0]: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn" (got "mrn")',
      'config file gw.json: identity.patientIdentifierSystems[1]: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn" (got "ftp://x.example/id")',
      'config file gw.json: identity.patientIdentifierSystems[2]: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn": a urn: needs a namespace and a value, without spaces (got "urn:x")',
      'config file gw.json: identity.patientIdentifierSystems[3]: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn" (got "http://a.example/has space")',
      'config file gw.json: identity.patientIdentifierSystems[4]: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn" (got 42)',
      `config file gw.json: identity.patientIdentifierSystems[6]: repeats "${BSN}"`,
      'config file gw.json: identity.patientIdentifierSystems[7]: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn": a urn: needs a namespace and a value, without spaces (got "urn:oid:1.2 3")',
    ]);
  });

  it('reports a non-array, a non-object identity and unknown keys', () => {
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ patientIdentifierSystems: BSN, systems: [] })))).toEqual([
      'config file gw.json: identity.systems: unknown key (expected one of: patientIdentifierSystems)',
      'config file gw.json: identity.patientIdentifierSystems: must be an array of identifier system URIs (got a string)',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file([BSN])))).toEqual([
      'config file gw.json: identity: must be an object (got an array)',
    ]);
  });

  it('--identity-system adds to the file\'s systems; a repeat counts once; invalid ones are reported by number', () => {
    const files = file({ patientIdentifierSystems: [BSN] });
    const argv = ['-c', 'gw.json', '--identity-system', SSN, '--identity-system', BSN, '--identity-system', SSN];
    expect(load(argv, {}, files).identity.patientIdentifierSystems).toEqual([BSN, SSN]);
    expect(load(['--identity-system', SSN]).identity.patientIdentifierSystems).toEqual([SSN]);
    expect(problemsOf(() => load(['--identity-system', SSN, '--identity-system', 'national-id']))).toEqual([
      '--identity-system #2: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn" (got "national-id")',
    ]);
    expect(usage).toContain('--identity-system URI');
  });
});
