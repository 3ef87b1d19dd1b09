import { describe, expect, it } from 'vitest';
import { usage } from '../../src/config/load-config.ts';
import { load, problemsOf } from './helpers.ts';

const SLUG = "must be a slug: a lower-case letter, then up to 31 lower-case letters, digits or '-'";
const sources = [{ id: 'a', baseUrl: 'https://a.example' }, { id: 'b', baseUrl: 'https://b.example' }];
const file = (top: Record<string, unknown>): Record<string, unknown> => ({ '/work/gw.json': top });
const cliSources = ['--source', 'a=https://a.example', '--source', 'b=https://b.example'];

describe('defaultWriteSource', () => {
  it('defaults to none', () => {
    expect(load().defaultWriteSource).toBeNull();
    expect(load(cliSources).defaultWriteSource).toBeNull();
    expect(load(['-c', 'gw.json'], {}, file({ sources })).defaultWriteSource).toBeNull();
  });

  it('is read from the config file', () => {
    expect(load(['-c', 'gw.json'], {}, file({ defaultWriteSource: 'b', sources })).defaultWriteSource).toBe('b');
  });

  it('is read from --write-source (the last one wins); the usage text lists it', () => {
    expect(load([...cliSources, '--write-source', 'b']).defaultWriteSource).toBe('b');
    expect(load([...cliSources, '--write-source=a', '--write-source', 'b']).defaultWriteSource).toBe('b');
    expect(usage).toContain('--write-source ID');
  });

  it('the command line wins over the file', () => {
    const files = file({ defaultWriteSource: 'a', sources });
    expect(load(['-c', 'gw.json', '--write-source', 'b'], {}, files).defaultWriteSource).toBe('b');
    expect(load(['-c', 'gw.json'], {}, files).defaultWriteSource).toBe('a');
  });

  it('may name a source from the other layer: the file\'s default a command-line source, and the other way round', () => {
    expect(load(['-c', 'gw.json', ...cliSources], {}, file({ defaultWriteSource: 'b' })).defaultWriteSource).toBe('b');
    expect(load(['-c', 'gw.json', '--write-source', 'b'], {}, file({ sources })).defaultWriteSource).toBe('b');
  });

  it('an id that is no configured source is a problem, listed with the others', () => {
    expect(problemsOf(() => load([...cliSources, '--write-source', 'x', '--port', 'eighty']))).toEqual([
      '--port: must be an integer between 0 and 65535 (got "eighty")',
      "--write-source: defaultWriteSource 'x' is not a configured source (configured: a, b)",
    ]);
    const files = file({ defaultWriteSource: 'hospital', sources, limits: { maxDepth: 0 } });
    expect(problemsOf(() => load(['-c', 'gw.json', '--identity-system', 'mrn'], {}, files))).toEqual([
      'config file gw.json: limits.maxDepth: must be an integer between 1 and 1000 (got 0)',
      "config file gw.json: defaultWriteSource 'hospital' is not a configured source (configured: a, b)",
      '--identity-system #1: must be an absolute URI such as "urn:oid:2.16.840.1.113883.2.4.6.3" or "http://hl7.org/fhir/sid/us-ssn" (got "mrn")',
    ]);
  });

  it('a source with other problems still counts as configured; the command line\'s value is the one checked', () => {
    const broken = file({ defaultWriteSource: 'a', sources: [{ id: 'a', baseUrl: 'ftp://a.example' }, sources[1]] });
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, broken))).toEqual([
      'config file gw.json: sources[0].baseUrl: must use http or https (got "ftp://a.example")',
    ]);
    expect(load(['-c', 'gw.json', '--write-source', 'b'], {}, file({ defaultWriteSource: 'x', sources })).defaultWriteSource).toBe('b');
  });

  it('must be a source id (slug), in either layer; a malformed one is not reported twice', () => {
    expect(problemsOf(() => load(['-c', 'gw.json', '--write-source', 'B'], {}, file({ defaultWriteSource: 42, sources })))).toEqual([
      `config file gw.json: defaultWriteSource: ${SLUG} (got 42)`,
      `--write-source: ${SLUG} (got "B")`,
    ]);
    expect(problemsOf(() => load([...cliSources, '--write-source']))).toEqual([
      '--write-source: missing value (expected --write-source ID)',
    ]);
  });

  it('with no source configured, is kept as given (the demo sources are checked when they start)', () => {
    expect(load(['--write-source', 'lab']).defaultWriteSource).toBe('lab');
    expect(load(['--write-source', 'x']).defaultWriteSource).toBe('x');
  });

  it('is frozen with the rest of the config', () => {
    const config = load([...cliSources, '--write-source', 'a']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { defaultWriteSource: string | null }).defaultWriteSource = 'b';
    }).toThrow(TypeError);
  });
});
