// openDatabase: the URL forms, where a SQLite file goes, PostgreSQL schemas, clear errors that never show a password,
// closing, and a pooled PostgreSQL connection dropped by the server.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { DatabaseOpenError, DatabaseUrlError, openDatabase } from '../../src/db/database.ts';
import { auditRow, PG_URL, pgQuery, pgUrl, testBackends } from './helpers.ts';

const [, postgres] = testBackends('open');
const dir = mkdtempSync(join(tmpdir(), 'gw-db-open-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = 'Pa55-word-NEVER-shown';

async function roundTrip(db: Db): Promise<number> {
  await db.kysely.insertInto('audit_event').values(auditRow()).execute();
  const rows = await db.kysely.selectFrom('audit_event').select('id').execute();
  return rows.length;
}

async function openError(url: string): Promise<Error> {
  try {
    const db = await openDatabase(url);
    await db.close();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error(`expected openDatabase(${url}) to fail`);
}

describe('SQLite URL forms', () => {
  it(':memory:, sqlite::memory: and file::memory: are in-memory databases, each its own', async () => {
    for (const url of [':memory:', 'sqlite::memory:', 'file::memory:']) {
      const a = await openDatabase(url);
      const b = await openDatabase(url);
      try {
        expect(a.dialect).toBe('sqlite');
        expect(a.location).toBe(':memory:');
        expect(await roundTrip(a)).toBe(1);
        expect(await roundTrip(a)).toBe(2);
        expect(await roundTrip(b)).toBe(1);
      } finally {
        await a.close();
        await b.close();
      }
    }
  });

  it('sqlite:PATH, file:PATH, file:///PATH and plain paths: relative to the working directory, missing directories created', async () => {
    const cases: [url: string, file: string][] = [
      ['sqlite:./.gateway/gateway.db', join(dir, '.gateway', 'gateway.db')],
      ['sqlite:a/b/one.db', join(dir, 'a', 'b', 'one.db')],
      ['SQLITE:two.db', join(dir, 'two.db')],
      [`sqlite:${join(dir, 'abs', 'three.db')}`, join(dir, 'abs', 'three.db')],
      ['file:c/four.db', join(dir, 'c', 'four.db')],
      [`file://${join(dir, 'd', 'five.db')}`, join(dir, 'd', 'five.db')],
      [`file://localhost${join(dir, 'e', 'six.db')}`, join(dir, 'e', 'six.db')],
      ['f/seven.db', join(dir, 'f', 'seven.db')],
      [join(dir, 'g', 'eight.db'), join(dir, 'g', 'eight.db')],
    ];
    for (const [url, file] of cases) {
      expect(existsSync(file), url).toBe(false);
      const db = await openDatabase(url, { cwd: dir });
      try {
        expect(db.location, url).toBe(file);
        expect(existsSync(file), url).toBe(true);
        expect(await roundTrip(db)).toBe(1);
      } finally {
        await db.close();
      }
      const again = await openDatabase(url, { cwd: dir });
      try {
        expect(await roundTrip(again), `${url} reopened`).toBe(2);
      } finally {
        await again.close();
      }
    }
  });

  it('close() is idempotent; queries after it fail', async () => {
    const db = await openDatabase(':memory:');
    await db.close();
    await db.close();
    await expect(db.kysely.selectFrom('audit_event').select('id').execute()).rejects.toThrow(/destroyed/);
  });

  it('a path that cannot be a database is a DatabaseOpenError naming it', async () => {
    const error = await openError(`sqlite:${dir}`); // a directory
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect(error.message).toContain(`cannot open the SQLite database ${dir}: `);
  });
});

describe('PostgreSQL', () => {
  it('?schema= creates the schema when missing and keeps every table in it; search_path is set on every pooled connection', async () => {
    const url = postgres!.fresh();
    const schema = new URL(url).searchParams.get('schema') ?? '';
    expect(await pgQuery('select 1 from pg_namespace where nspname = $1', [schema])).toEqual([]);
    const db = await openDatabase(url, { maxConnections: 4 });
    try {
      expect(db.dialect).toBe('postgres');
      expect(db.location).toBe(url);
      // several connections at once: each must see the schema
      const paths = await Promise.all(Array.from({ length: 8 }, () => db.kysely.connection().execute(async (c) => {
        const { rows } = await sql<{ path: string }>`select current_setting('search_path') as path, pg_sleep(0.02)`.execute(c);
        return rows[0]?.path;
      })));
      expect(new Set(paths)).toEqual(new Set([schema]));
      expect(await roundTrip(db)).toBe(1);
      const tables = await pgQuery<{ schemaname: string }>(`select schemaname from pg_tables where tablename = 'audit_event'
        and schemaname = $1`, [schema]);
      expect(tables).toEqual([{ schemaname: schema }]);
    } finally {
      await db.close();
    }
  });

  it('without ?schema=, the tables and kysely\'s bookkeeping go to the server\'s current schema', async () => {
    const schema = new URL(postgres!.fresh()).searchParams.get('schema') ?? '';
    await pgQuery(`create schema ${schema}`);
    const db = await openDatabase(pgUrl({ options: `-c search_path=${schema}` }));
    try {
      expect(await roundTrip(db)).toBe(1);
      const rows = await pgQuery<{ tablename: string }>('select tablename from pg_tables where schemaname = $1 order by tablename', [schema]);
      expect(rows.map((r) => r.tablename)).toEqual(['audit_event', 'capture_lock', 'change_capture_state', 'change_event', 'change_log_state', 'hook_replay', 'kysely_migration', 'kysely_migration_lock']);
    } finally {
      await db.close();
    }
  });

  it('survives the server dropping an idle pooled connection: reported to onIdleConnectionError, the next query reconnects', async () => {
    const errors: Error[] = [];
    const db = await openDatabase(postgres!.fresh(), { onIdleConnectionError: (error) => errors.push(error) });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
      const pid = rows[0]?.pid;
      await pgQuery('select pg_terminate_backend($1)', [pid]);
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(errors.length).toBeGreaterThan(0);
      expect(await roundTrip(db)).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('bad URLs', () => {
  it('are DatabaseUrlErrors naming what is accepted', async () => {
    for (const url of ['mysql://root@localhost/gw', 'redis://localhost:6379', 'http://db.example/x']) {
      const error = await openError(url);
      expect(error, url).toBeInstanceOf(DatabaseUrlError);
      expect(error.message, url).toMatch(/^invalid database URL: unsupported scheme "[a-z]+:"; expected postgres:\/\/user@host:port\/database .*sqlite:PATH, file:PATH, a plain file path, or :memory:/);
    }
    const cases: [string, RegExp][] = [
      ['', /it is empty; expected postgres:\/\//],
      ['  ', /it is empty/],
      [' x.db', /white space/],
      ['x\0.db', /control character/],
      ['sqlite:', /sqlite: needs a path/],
      ['sqlite://x.db', /sqlite:\/absolute\/path\.db or sqlite:relative\/path\.db/],
      ['file://db.example/x.db', /must name a local file/],
      ['postgres:gw', /with \/\//],
      ['postgres://h:port/db', /cannot be parsed/],
      ['postgres://h/db?schema=a-b', /\?schema= must be a name/],
      ['postgres://h/db?schema=a&schema=b', /more than once/],
    ];
    for (const [url, message] of cases) {
      const error = await openError(url);
      expect(error, JSON.stringify(url)).toBeInstanceOf(DatabaseUrlError);
      expect(error.message, JSON.stringify(url)).toMatch(message);
    }
  });

  it('PostgreSQL that cannot be reached or has no such database: a DatabaseOpenError with the driver\'s code', async () => {
    const refused = await openError('postgres://postgres@127.0.0.1:1/test');
    expect(refused).toBeInstanceOf(DatabaseOpenError);
    expect((refused as DatabaseOpenError).code).toBe('ECONNREFUSED');
    expect(refused.message).toMatch(/^cannot open the PostgreSQL database postgres:\/\/postgres@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    const missing = await openError(new URL('/no_such_database_gw', PG_URL).href);
    expect((missing as DatabaseOpenError).code).toBe('3D000');
    expect(missing.message).toMatch(/database "no_such_database_gw" does not exist/);
  });

  it('never show the password: not in the message, the stack or the inspected error', async () => {
    const base = new URL(PG_URL);
    const withPassword = (mutate: (u: URL) => void): string => {
      const u = new URL(base.href);
      u.password = PASSWORD;
      mutate(u);
      return u.href;
    };
    const urls = [
      withPassword((u) => { u.port = '1'; }), // refused
      withPassword((u) => { u.pathname = '/no_such_database_gw'; }), // no such database
      withPassword((u) => { u.pathname = `/${PASSWORD}`; }), // the server's message quotes the database name: the password
      withPassword((u) => { u.searchParams.set('schema', 'bad-name'); }),
      withPassword((u) => { u.searchParams.append('schema', 'a'); u.searchParams.append('schema', 'b'); }),
      `postgres://postgres:${PASSWORD}@127.0.0.1:notaport/test`,
      `mysql://root:${PASSWORD}@localhost/gw`,
    ];
    for (const url of urls) {
      const error = await openError(url);
      for (const text of [error.message, String(error.stack), inspect(error, { depth: 10 }), JSON.stringify(error)]) {
        expect(text, url).not.toContain(PASSWORD);
      }
    }
    const refused = await openError(urls[0]!);
    expect(refused.message).toContain(`postgres://postgres:***@127.0.0.1:1/test`);
    const named = await openError(urls[2]!);
    expect(named.message).toMatch(/^cannot open the PostgreSQL database postgres:\/\/postgres:\*\*\*@[^/]+\/\*\*\*: database "\*\*\*" does not exist$/);
  });
});
