import { describe, expect, it } from 'vitest';
import { DEFAULT_CIRCUIT_BREAKER } from '../../src/config/defaults.ts';
import { load, problemsOf } from './helpers.ts';

const file = (circuitBreaker: unknown): Record<string, unknown> =>
  ({ '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example', circuitBreaker }] } });

describe('sources[].circuitBreaker', () => {
  it('defaults to 5 failures / 30 s, for file and command-line sources', () => {
    expect(DEFAULT_CIRCUIT_BREAKER).toEqual({ failureThreshold: 5, resetTimeoutMs: 30_000 });
    const config = load(['-c', 'gw.json', '--source', 'b=https://b.example'], {}, { '/work/gw.json': { sources: [{ id: 'a', baseUrl: 'https://a.example' }] } });
    expect(config.sources.map((s) => s.circuitBreaker)).toEqual([DEFAULT_CIRCUIT_BREAKER, DEFAULT_CIRCUIT_BREAKER]);
    expect(Object.isFrozen(config.sources[1]?.circuitBreaker)).toBe(true);
  });

  it('takes either key alone, the other keeps its default; 0 disables', () => {
    expect(load(['-c', 'gw.json'], {}, file({ failureThreshold: 0 })).sources[0]?.circuitBreaker).toEqual({ failureThreshold: 0, resetTimeoutMs: 30_000 });
    expect(load(['-c', 'gw.json'], {}, file({ resetTimeoutMs: 1 })).sources[0]?.circuitBreaker).toEqual({ failureThreshold: 5, resetTimeoutMs: 1 });
    expect(load(['-c', 'gw.json'], {}, file({ failureThreshold: 1000, resetTimeoutMs: 600_000 })).sources[0]?.circuitBreaker)
      .toEqual({ failureThreshold: 1000, resetTimeoutMs: 600_000 });
  });

  it('reports out-of-range values, non-integers, unknown keys and a non-object', () => {
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ failureThreshold: -1, resetTimeoutMs: 0, threshold: 3 })))).toEqual([
      'config file gw.json: sources[0].circuitBreaker.threshold: unknown key (expected one of: failureThreshold, resetTimeoutMs)',
      'config file gw.json: sources[0].circuitBreaker.failureThreshold: must be an integer between 0 and 1000 (got -1)',
      'config file gw.json: sources[0].circuitBreaker.resetTimeoutMs: must be an integer between 1 and 600000 (got 0)',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ failureThreshold: 1001, resetTimeoutMs: 2.5 })))).toEqual([
      'config file gw.json: sources[0].circuitBreaker.failureThreshold: must be an integer between 0 and 1000 (got 1001)',
      'config file gw.json: sources[0].circuitBreaker.resetTimeoutMs: must be an integer between 1 and 600000 (got 2.5)',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file({ resetTimeoutMs: '30s' })))).toEqual([
      'config file gw.json: sources[0].circuitBreaker.resetTimeoutMs: must be an integer between 1 and 600000 (got "30s")',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, file(true)))).toEqual([
      'config file gw.json: sources[0].circuitBreaker: must be an object (got a boolean)',
    ]);
  });
});

describe('capabilityRefreshMs', () => {
  it('defaults to 5 minutes; 0 (only at start) and up to a day are accepted', () => {
    expect(load().capabilityRefreshMs).toBe(300_000);
    expect(load(['-c', 'gw.json'], {}, { '/work/gw.json': { capabilityRefreshMs: 0 } }).capabilityRefreshMs).toBe(0);
    expect(load(['-c', 'gw.json'], {}, { '/work/gw.json': { capabilityRefreshMs: 86_400_000 } }).capabilityRefreshMs).toBe(86_400_000);
  });

  it('rejects negative, too large and non-integer values', () => {
    for (const value of [-1, 86_400_001, 1.5, '300000', null]) {
      expect(problemsOf(() => load(['-c', 'gw.json'], {}, { '/work/gw.json': { capabilityRefreshMs: value } }))).toEqual([
        `config file gw.json: capabilityRefreshMs: must be an integer between 0 and 86400000 (got ${typeof value === 'string' ? `"${value}"` : String(value)})`,
      ]);
    }
  });
});
