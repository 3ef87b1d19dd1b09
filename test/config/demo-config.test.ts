// The demo's live changes (issue 12 item 8): `demo.changes` / `demo.changeIntervalMs` in the file, GATEWAY_DEMO_CHANGES
// in the environment and --no-demo-changes on the command line; every problem in one ConfigError.
import { describe, expect, it } from 'vitest';
import { usage } from '../../src/config/load-config.ts';
import { load, problemsOf } from './helpers.ts';

const withFile = (demo: unknown) => ({ '/work/gw.json': { demo } });

describe('demo changes config', () => {
  it('are on by default, one Observation every 20 s', () => {
    expect(load().demo).toEqual({ patients: 100, seed: 1, changes: true, changeIntervalMs: 20_000 });
  });

  it('are set in the file, with the other demo keys kept at their defaults', () => {
    expect(load(['-c', 'gw.json'], {}, withFile({ changes: false, changeIntervalMs: 5000 })).demo)
      .toEqual({ patients: 100, seed: 1, changes: false, changeIntervalMs: 5000 });
    expect(load(['-c', 'gw.json'], {}, withFile({ changeIntervalMs: 1000 })).demo).toMatchObject({ changes: true, changeIntervalMs: 1000 });
  });

  it('follow the precedence file < GATEWAY_DEMO_CHANGES < --no-demo-changes', () => {
    const on = withFile({ changes: true });
    const off = withFile({ changes: false });
    expect(load(['--no-demo-changes']).demo.changes).toBe(false);
    expect(load(['-c', 'gw.json', '--no-demo-changes'], {}, on).demo.changes).toBe(false);
    for (const value of ['0', 'false', 'FALSE']) expect(load(['-c', 'gw.json'], { GATEWAY_DEMO_CHANGES: value }, on).demo.changes).toBe(false);
    for (const value of ['1', 'true']) expect(load(['-c', 'gw.json'], { GATEWAY_DEMO_CHANGES: value }, off).demo.changes).toBe(true);
    expect(load(['--no-demo-changes'], { GATEWAY_DEMO_CHANGES: '1' }).demo.changes).toBe(false);
    // empty counts as unset
    expect(load(['-c', 'gw.json'], { GATEWAY_DEMO_CHANGES: '' }, off).demo.changes).toBe(false);
  });

  it('name every problem at once', () => {
    const problems = problemsOf(() => load(['-c', 'gw.json', '--no-demo-changes=yes'], { GATEWAY_DEMO_CHANGES: 'maybe' }, withFile({ changes: 'no', changeIntervalMs: 999, trickle: 1 })));
    expect(problems).toEqual([
      '--no-demo-changes: takes no value',
      'config file gw.json: demo.trickle: unknown key (expected one of: patients, seed, changeIntervalMs, changes)',
      'config file gw.json: demo.changeIntervalMs: must be an integer between 1000 and 3600000 (got 999)',
      'config file gw.json: demo.changes: must be true or false (got "no")',
      'GATEWAY_DEMO_CHANGES: must be 0 or false (or 1 or true, the default) (got "maybe")',
    ]);
    expect(problemsOf(() => load(['-c', 'gw.json'], {}, withFile({ changeIntervalMs: 3_600_001 }))))
      .toEqual(['config file gw.json: demo.changeIntervalMs: must be an integer between 1000 and 3600000 (got 3600001)']);
  });

  it('are in the usage text', () => {
    expect(usage).toMatch(/--no-demo-changes\s+Demo only: no trickle of new vital-sign Observations/);
    expect(usage).toMatch(/GATEWAY_DEMO_CHANGES\s+0 or false: same as --no-demo-changes/);
  });
});
