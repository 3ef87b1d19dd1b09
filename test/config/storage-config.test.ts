// `storage` (the gateway's database URL: config file, DATABASE_URL, --database-url) and `audit` (config file only).
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load-config.ts';
import { usage } from '../../src/config/load-config.ts';
import { parseArgs } from '../../src/config/parse-args.ts';
import { load, problemsOf } from './helpers.ts';

const PASSWORD = 'S3cret-Pa55word';
const PG = `postgres://gw:${PASSWORD}@db.example:5432/gateway`;

type Env = Readonly<Record<string, string | undefined>>;

function fromFile(file: Record<string, unknown>, argv: readonly string[] = [], env: Env = {}): Config {
  return load(['-c', 'gw.json', ...argv], env, { '/work/gw.json': file });
}

function problemsFromFile(file: Record<string, unknown>, argv: readonly string[] = [], env: Env = {}): readonly string[] {
  return problemsOf(() => fromFile(file, argv, env));
}

describe('storage: defaults and precedence', () => {
  it('defaults to embedded SQLite under ./.gateway, relative to the working directory', () => {
    expect(load().storage).toEqual({ url: 'sqlite:./.gateway/gateway.db' });
  });

  it('file < DATABASE_URL < --database-url', () => {
    const file = { storage: { url: 'sqlite:/from/file.db' } };
    expect(fromFile(file).storage.url).toBe('sqlite:/from/file.db');
    expect(fromFile(file, [], { DATABASE_URL: 'sqlite:/from/env.db' }).storage.url).toBe('sqlite:/from/env.db');
    expect(fromFile(file, ['--database-url', 'sqlite:/from/cli.db'], { DATABASE_URL: 'sqlite:/from/env.db' }).storage.url)
      .toBe('sqlite:/from/cli.db');
    expect(load([], { DATABASE_URL: PG }).storage.url).toBe(PG);
    expect(load(['--database-url=:memory:']).storage.url).toBe(':memory:');
  });

  it('an empty DATABASE_URL counts as unset; an empty storage section keeps the default', () => {
    expect(load([], { DATABASE_URL: '' }).storage.url).toBe('sqlite:./.gateway/gateway.db');
    expect(fromFile({ storage: {} }).storage.url).toBe('sqlite:./.gateway/gateway.db');
  });

  it('keeps the URL exactly as given (the database layer resolves paths and parameters)', () => {
    for (const url of [
      'postgresql://gw@localhost/gw?schema=gw_test&sslmode=disable', 'POSTGRES://h/db', 'postgres:///gw', 'sqlite:relative/x.db',
      'file:./x.db', 'file:///var/lib/gw/x.db', 'file://localhost/var/x.db', 'x.db', '/var/lib/gw.db', 'sqlite::memory:',
    ]) {
      expect(load(['--database-url', url]).storage.url, url).toBe(url);
    }
  });

  it('the result is frozen', () => {
    const config = load();
    expect(Object.isFrozen(config.storage)).toBe(true);
    expect(Object.isFrozen(config.audit)).toBe(true);
  });
});

describe('storage: problems', () => {
  const FORMS = 'postgres://user:password@host:port/database (or postgresql://…, with ?schema=name for a schema of its own), '
    + 'sqlite:PATH, file:PATH, a file path, or :memory:';

  it('names the accepted forms for an unsupported scheme, in every layer at once', () => {
    expect(problemsFromFile({ storage: { url: 'mysql://root@localhost/gw' } }, ['--database-url', 'redis://x'], { DATABASE_URL: 'http://db' })).toEqual([
      `config file gw.json: storage.url: has the unsupported scheme "mysql:": expected ${FORMS}`,
      `DATABASE_URL: has the unsupported scheme "http:": expected ${FORMS}`,
      `--database-url: has the unsupported scheme "redis:": expected ${FORMS}`,
    ]);
  });

  it('checks the file section', () => {
    expect(problemsFromFile({ storage: 'sqlite:x.db' })).toEqual(['config file gw.json: storage: must be an object (got a string)']);
    expect(problemsFromFile({ storage: { url: 5 } })).toEqual([`config file gw.json: storage.url: must be a database URL: ${FORMS} (got a number)`]);
    expect(problemsFromFile({ storage: { url: '' } })).toEqual([`config file gw.json: storage.url: must be a database URL: ${FORMS} (got an empty string)`]);
    expect(problemsFromFile({ storage: { uri: 'x.db' } })).toEqual([
      expect.stringMatching(/^config file gw\.json: storage\.uri: unknown key/),
    ]);
  });

  it('refuses malformed SQLite and PostgreSQL forms with a hint', () => {
    const problem = (url: string): string | undefined => problemsOf(() => load(['--database-url', url]))[0];
    expect(problem('sqlite:')).toBe('--database-url: needs a path after sqlite:, e.g. sqlite:./.gateway/gateway.db or sqlite::memory:');
    expect(problem('file:')).toBe('--database-url: needs a path after file:, e.g. file:./.gateway/gateway.db or file::memory:');
    expect(problem('sqlite://x.db')).toBe('--database-url: must be sqlite:/absolute/path.db or sqlite:relative/path.db (sqlite: takes a path, without //)');
    expect(problem('file://host/x.db')).toBe('--database-url: must name a local file: file:///absolute/path.db (a file:// URL with no host)');
    expect(problem(' x.db')).toBe('--database-url: must not start or end with white space');
    expect(problem('x\n.db')).toBe('--database-url: must not contain control characters');
    expect(problem('postgres:db')).toBe('--database-url: is not a valid PostgreSQL URL: expected postgres://user:password@host:port/database (with //)');
    expect(problem('postgres://h/db?schema=a&schema=b')).toBe('--database-url: must give ?schema= at most once');
    expect(problem('postgres://h/db?schema=1st')).toBe(
      '--database-url: ?schema= must be a name of letters, digits and _, not starting with a digit, at most 63 characters (got "1st")');
    expect(problem('postgres://h/db?schema=a;drop')).toMatch(/\?schema= must be a name/);
  });

  it('never echoes a password, whatever the problem', () => {
    const bad = [
      `postgres://gw:${PASSWORD}@db.example:notaport/gateway`,
      `postgres://gw:${PASSWORD}@db.example/gateway?schema=bad-name`,
      `postgres://gw:${PASSWORD}@db.example/gateway?schema=a&schema=b`,
      `mysql://gw:${PASSWORD}@db.example/gateway`,
      `postgres:gw:${PASSWORD}@db.example/gateway`,
      `postgres://gw:${PASSWORD}@db.example/gateway `,
    ];
    for (const url of bad) {
      const problems = [
        ...problemsFromFile({ storage: { url } }),
        ...problemsOf(() => load([], { DATABASE_URL: url })),
        ...problemsOf(() => load(['--database-url', url])),
      ];
      expect(problems, url).toHaveLength(3);
      for (const p of problems) expect(p, url).not.toContain(PASSWORD);
    }
  });
});

describe('audit', () => {
  it('durability defaults to batched; strict is read from the file', () => {
    expect(load().audit).toEqual({ durability: 'batched' });
    expect(fromFile({ audit: {} }).audit).toEqual({ durability: 'batched' });
    expect(fromFile({ audit: { durability: 'strict' } }).audit).toEqual({ durability: 'strict' });
    expect(fromFile({ audit: { durability: 'batched' } }).audit).toEqual({ durability: 'batched' });
  });

  it('reports a bad section or value', () => {
    expect(problemsFromFile({ audit: { durability: 'STRICT' } })).toEqual([
      'config file gw.json: audit.durability: must be one of "batched", "strict" (got "STRICT")',
    ]);
    expect(problemsFromFile({ audit: { durability: true, mode: 'x' } })).toEqual([
      expect.stringMatching(/^config file gw\.json: audit\.mode: unknown key/),
      'config file gw.json: audit.durability: must be one of "batched", "strict" (got true)',
    ]);
    expect(problemsFromFile({ audit: [] })).toEqual(['config file gw.json: audit: must be an object (got an array)']);
  });
});

describe('command line and usage', () => {
  it('parseArgs reads --database-url (the last one wins) and reports a missing value', () => {
    expect(parseArgs(['--database-url', 'a.db', '--database-url=b.db']).values.databaseUrl).toBe('b.db');
    expect('databaseUrl' in parseArgs([]).values).toBe(false);
    expect(parseArgs(['--database-url']).problems).toEqual(['--database-url: missing value (expected --database-url URL)']);
  });

  it('usage names the flag with its default, and DATABASE_URL', () => {
    const line = usage.split('\n').find((l) => l.trimStart().startsWith('--database-url URL'));
    expect(line).toMatch(/\(default: sqlite:\.\/\.gateway\/gateway\.db\)$/);
    expect(usage).toMatch(/^ {2}DATABASE_URL +Same as --database-url$/m);
  });
});
