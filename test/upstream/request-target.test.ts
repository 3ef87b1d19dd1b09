import { describe, expect, it } from 'vitest';
import { parseBaseUrl, resolveTarget } from '../../src/upstream/request-target.ts';

describe('resolveTarget', () => {
  const withPath = parseBaseUrl('http://h:8080/fhir/r4/');
  const root = parseBaseUrl('https://h');

  it.each([
    ['Patient?_id=a,b', '/fhir/r4/Patient?_id=a,b', 'Patient'],
    ['/Patient/1', '/fhir/r4/Patient/1', 'Patient/1'],
    ['metadata', '/fhir/r4/metadata', 'metadata'],
    ['Observation?code=http://loinc.org|1234-5', '/fhir/r4/Observation?code=http://loinc.org|1234-5', 'Observation'],
    ['http://h:8080/fhir/r4?_getpages=x', '/fhir/r4?_getpages=x', ''],
    ['http://H:8080/fhir/r4/Patient?page=2#frag', '/fhir/r4/Patient?page=2', 'Patient'],
  ])('%s → %s', (path, dispatchPath, logPath) => {
    expect(resolveTarget(withPath, path)).toEqual({ dispatchPath, logPath });
  });

  it('works with a root base URL and a default port', () => {
    expect(resolveTarget(root, 'https://h:443/Patient')).toEqual({ dispatchPath: '/Patient', logPath: 'Patient' });
    expect(resolveTarget(root, 'Patient')).toEqual({ dispatchPath: '/Patient', logPath: 'Patient' });
  });

  it.each(['http://other:8080/fhir/r4/Patient', 'http://h:8081/fhir/r4/Patient', 'https://h:8080/fhir/r4/Patient', 'http://h:8080/fhir/r5', 'http://h:8080/fhir/r4x', '../x', 'Patient/../../../admin', 'mailto:a@b'])(
    'refuses %s',
    (path) => {
      expect(resolveTarget(withPath, path)).toBeUndefined();
    },
  );

  it('rejects base URLs that are not plain absolute http(s)', () => {
    expect(() => parseBaseUrl('fhir')).toThrow(TypeError);
    expect(() => parseBaseUrl('ftp://h/fhir')).toThrow(TypeError);
    expect(() => parseBaseUrl('http://h/fhir?x=1')).toThrow(TypeError);
    expect(() => parseBaseUrl('http://u:p@h/fhir')).toThrow(TypeError);
  });
});
