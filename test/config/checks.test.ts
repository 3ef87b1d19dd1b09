import { describe, expect, it } from 'vitest';
import { normaliseBaseUrl, suggest } from '../../src/config/checks.ts';

function normalised(url: unknown): string | undefined | { problem: string } {
  let problem: string | undefined;
  const out = normaliseBaseUrl(url, (m) => {
    problem = m;
  });
  return problem === undefined ? out : { problem };
}

describe('normaliseBaseUrl', () => {
  it.each([
    ['https://hapi.fhir.org/baseR4', 'https://hapi.fhir.org/baseR4'],
    ['https://hapi.fhir.org/baseR4/', 'https://hapi.fhir.org/baseR4'],
    ['HTTP://Example.ORG:80/Fhir//', 'http://example.org/Fhir'],
    ['https://example.org:8443', 'https://example.org:8443'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://[::1]:8080/fhir', 'http://[::1]:8080/fhir'],
  ])('%s -> %s', (input, expected) => {
    expect(normalised(input)).toBe(expected);
  });

  it.each([
    ['example.org/fhir', 'must be an absolute http(s) URL (got "example.org/fhir")'],
    ['/fhir', 'must be an absolute http(s) URL (got "/fhir")'],
    ['file:///etc/passwd', 'must use http or https (got "file:///etc/passwd")'],
    ['https://e.org/fhir?', 'must not have a query string (got "https://e.org/fhir?")'],
    ['https://e.org/fhir#x', 'must not have a fragment (got "https://e.org/fhir#x")'],
    ['https://u:p@e.org', 'must not contain credentials (user:password@); use bearerToken / bearerTokenEnv or headers'],
  ])('rejects %s', (input, problem) => {
    expect(normalised(input)).toEqual({ problem });
  });

  it('rejects non-strings by type', () => {
    expect(normalised(42)).toEqual({ problem: 'must be an absolute http(s) URL (got 42)' });
  });
});

describe('suggest', () => {
  const keys = ['timeoutMs', 'connectTimeoutMs', 'maxConnections', 'maxConcurrency', 'retries', 'headers'];
  it.each([
    ['timeout', 'timeoutMs'],
    ['timeoutms', 'timeoutMs'],
    ['retires', 'retries'],
    ['header', 'headers'],
    ['maxConnection', 'maxConnections'],
  ])('%s -> %s', (word, expected) => {
    expect(suggest(word, keys)).toBe(expected);
  });

  it('suggests nothing for unrelated words', () => {
    expect(suggest('colour', keys)).toBeUndefined();
    expect(suggest('x', keys)).toBeUndefined();
  });
});
