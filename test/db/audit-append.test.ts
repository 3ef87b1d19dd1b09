// The audit trail's append path (Db.appendAuditEvents) on a SQLite file (a worker thread with its own connection),
// in-memory SQLite and PostgreSQL (kysely, statements compiled once): every append committed exactly once, resolved
// only once another connection can read it, a retry never duplicating, failures reported to the append that failed;
// and on SQLite files, the writer thread stopping after a commit it never acknowledged, and the process lifetime.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { auditInsertSql, sqliteAppendInserts } from '../../src/db/audit-append.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { NewAuditEvent } from '../../src/db/schema.ts';
import { sqliteWorkerAppender } from '../../src/db/sqlite-appender.ts';
import { auditRow, countElsewhere, crashingAppender, renameAuditTable, testBackends } from './helpers.ts';

const backends = [...testBackends('audit_append'), { dialect: 'memory', fresh: () => ':memory:' }] as const;

/** `count` rows of one new request id. */
function rowsOf(count: number, overrides: Partial<NewAuditEvent> = {}): NewAuditEvent[] {
  const requestId = randomUUID();
  return Array.from({ length: count }, (_, i) => auditRow({ request_id: requestId, patient: `Patient/p${i}`, ...overrides }));
}

describe.each(backends)('appendAuditEvents on $dialect', (backend) => {
  /** The number of stored rows of a request, read through the Db itself (the only way into a memory database). */
  const storedOf = async (db: Db, requestId: string) => Number((await db.kysely.selectFrom('audit_event')
    .select((e) => e.fn.countAll().as('n')).where('request_id', '=', requestId).executeTakeFirstOrThrow()).n);

  it('commits many concurrent appends each exactly once (rows over several statements and transactions too)', async () => {
    const db = await openDatabase(backend.fresh());
    try {
      const appends = [...Array.from({ length: 60 }, (_, i) => rowsOf(1 + ((i * 37) % 230))), rowsOf(4_500)]; // and one over several transactions
      await Promise.all(appends.map((rows) => db.appendAuditEvents(rows)));
      for (const rows of appends) expect(await storedOf(db, rows[0]!.request_id)).toBe(rows.length);
      const ids = await db.kysely.selectFrom('audit_event').select('id').execute();
      expect(ids).toHaveLength(appends.reduce((n, rows) => n + rows.length, 0));
      expect(new Set(ids.map((r) => r.id)).size).toBe(ids.length);
    } finally {
      await db.close();
    }
  });

  it('stores every column as given', async () => {
    const db = await openDatabase(backend.fresh());
    try {
      const row = auditRow({ query: 'name=Ünïcødé "quoted" \\ back', detail: JSON.stringify({ code: 'FORBIDDEN' }), agent_sub: null, recorded_ms: 1_796_552_565_424 });
      await db.appendAuditEvents([row]);
      expect({ ...(await db.kysely.selectFrom('audit_event').selectAll().executeTakeFirstOrThrow()) }).toEqual(row);
    } finally {
      await db.close();
    }
  });

  it('skips rows already stored: a retry after an unknown outcome never duplicates', async () => {
    const db = await openDatabase(backend.fresh());
    try {
      const first = rowsOf(30);
      await db.appendAuditEvents(first);
      const more = rowsOf(5, { request_id: first[0]!.request_id });
      await db.appendAuditEvents([...first, ...more]);
      expect(await storedOf(db, first[0]!.request_id)).toBe(35);
    } finally {
      await db.close();
    }
  });

  it('close() waits for the appends under way', async () => {
    const url = backend.fresh();
    const db = await openDatabase(url);
    const appends = Array.from({ length: 20 }, () => rowsOf(40));
    const outcomes = appends.map((rows) => db.appendAuditEvents(rows).then(() => 'committed', (e: Error) => e.message));
    if (backend.dialect === 'memory') {
      await Promise.all(outcomes); // a memory database is gone once closed: count before
      expect(await storedOf(db, appends[7]![0]!.request_id)).toBe(40);
    }
    await db.close();
    expect(await Promise.all(outcomes)).toEqual(appends.map(() => 'committed'));
    await expect(db.appendAuditEvents(rowsOf(1))).rejects.toThrow();
    if (backend.dialect === 'memory') return;
    const reopened = await openDatabase(url);
    try {
      expect(Number((await reopened.kysely.selectFrom('audit_event').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(800);
    } finally {
      await reopened.close();
    }
  });

  it.runIf(backend.dialect !== 'memory')('resolves only once another connection can read the rows', async () => {
    const url = backend.fresh();
    const db = await openDatabase(url);
    try {
      const appends = Array.from({ length: 25 }, (_, i) => rowsOf(1 + i * 3));
      const seen = await Promise.all(appends.map((rows) => db.appendAuditEvents(rows).then(() => countElsewhere(url, db, rows[0]!.request_id))));
      expect(seen).toEqual(appends.map((rows) => rows.length));
    } finally {
      await db.close();
    }
  });

  it.runIf(backend.dialect !== 'memory')('a database error rejects the append, stores none of it, and the same rows go in once the database is back', async () => {
    const url = backend.fresh();
    const db = await openDatabase(url);
    try {
      await db.appendAuditEvents(rowsOf(3)); // the writer is up (on SQLite, its thread and statement)
      const rows = rowsOf(120);
      await renameAuditTable(url, db, 'audit_event', 'audit_event_away');
      try {
        await expect(db.appendAuditEvents(rows)).rejects.toThrow(/audit_event/);
      } finally {
        await renameAuditTable(url, db, 'audit_event_away', 'audit_event');
      }
      expect(await storedOf(db, rows[0]!.request_id)).toBe(0);
      await db.appendAuditEvents(rows);
      expect(await storedOf(db, rows[0]!.request_id)).toBe(120);
    } finally {
      await db.close();
    }
  });
});

describe('the SQLite writer thread', () => {
  const [sqlite] = testBackends('audit_append_worker');

  it('stopped after a commit it never acknowledged: the append rejects, a retry stores nothing twice, and a new thread takes over', async () => {
    const url = sqlite!.fresh();
    const db = await openDatabase(url);
    const appender = crashingAppender(db, 200);
    try {
      await appender.append(rowsOf(10));
      const rows = rowsOf(50);
      rows[17] = { ...rows[17]!, query: 'crash-after-commit' };
      await expect(appender.append(rows)).rejects.toThrow(/the audit database writer stopped \(.*exit code 7/);
      expect(await countElsewhere(url, db, rows[0]!.request_id)).toBe(50); // it did commit
      await expect(appender.append(rows)).rejects.toThrow(/stopped/); // within restartDelayMs: no new thread yet
      await new Promise((r) => setTimeout(r, 250));
      await appender.append(rows); // the retry, on a new thread
      const ids = await db.kysely.selectFrom('audit_event').select('id').where('request_id', '=', rows[0]!.request_id).execute();
      expect(ids).toHaveLength(50);
      await appender.append(rowsOf(5)); // and it keeps working
    } finally {
      await appender.close();
      await db.close();
    }
  });

  it('cannot open its file: appends reject, saying why', async () => {
    const db = await openDatabase(sqlite!.fresh());
    const appender = sqliteWorkerAppender({ path: `${db.location}.missing/none.db`, inserts: sqliteAppendInserts(db.kysely), busyTimeoutMs: 100, restartDelayMs: 0 });
    try {
      await expect(appender.append(rowsOf(2))).rejects.toThrow(/the audit database writer stopped \(unable to open database file\)/);
    } finally {
      await appender.close();
      await db.close();
    }
  });

  it('holds the process open while an append waits for its commit, and not once idle', async () => {
    const path = `${(await openDatabase(sqlite!.fresh()).then(async (db) => (await db.close(), db.location)))}`;
    const child = spawn(process.execPath, [new URL('./append-exit-child.ts', import.meta.url).pathname, path, '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: 'committed' });
    const look = new DatabaseSync(path, { readOnly: true });
    try {
      expect(look.prepare('select count(*) as n from audit_event').get()).toEqual({ n: 2000 });
    } finally {
      look.close();
    }
  });
});

it('the append statement is kysely\'s insert into audit_event, skipping ids already stored', async () => {
  const db = await openDatabase(':memory:');
  try {
    expect(auditInsertSql(db.kysely, 2)).toMatch(/^insert into "audit_event" \("id", "recorded", .*"detail"\) values \(\?(, \?){17}\), \(\?(, \?){17}\) on conflict \("id"\) do nothing$/);
  } finally {
    await db.close();
  }
});
