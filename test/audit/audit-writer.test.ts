// The audit writer's promises: batched events reach the database in multi-row inserts off the request path and are
// kept (bounded) while it cannot be written; strict writes commit or fail the request; close() flushes. And which
// FHIR interaction a request is, for AuditEvent.subtype.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/audit-writer.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { subtypeOf } from '../../src/http/use-audit.ts';
import { auditRow, countElsewhere, crashingAppender, renameAuditTable, testBackends } from '../db/helpers.ts';

const quiet = () => undefined;

describe('createAuditWriter', () => {
  it('batched: resolves at once, writes within flushMs in one go, and close() writes what waits', async () => {
    const db = await openDatabase(':memory:');
    const count = async () => Number((await db.kysely.selectFrom('audit_event').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const closing = { ...db, close: async () => undefined }; // keep the memory database open to look at it
    const writer = createAuditWriter(Promise.resolve(closing as Db), { durability: 'batched', flushMs: 50, log: quiet });
    await writer.write([auditRow(), auditRow()]);
    expect(writer.pending).toBe(2);
    expect(await count()).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(await count()).toBe(2);
    await writer.write(Array.from({ length: 250 }, () => auditRow()));
    await writer.close();
    expect(await count()).toBe(252);
    await expect(writer.write([auditRow()])).rejects.toThrow(/closed/);
    await db.close();
  });

  it('keeps batched events while the database cannot be written, and says so without their contents', async () => {
    const lines: string[] = [];
    const failing = Promise.reject(new Error('connection refused'));
    failing.catch(() => undefined);
    const writer = createAuditWriter(failing, { durability: 'batched', flushMs: 10_000, maxPending: 3, log: (_l, m) => void lines.push(m) });
    await writer.write([auditRow({ patient: 'Patient/secret-1' }), auditRow(), auditRow(), auditRow()]);
    await writer.flush();
    expect(writer.pending).toBe(3);
    expect(lines.join('\n')).toMatch(/4 event\(s\) could not be written, kept for the next attempt \(connection refused\); 1 dropped so far/);
    expect(lines.join('\n')).not.toContain('secret-1');
    await writer.close();
  });

  it('strict: a write that cannot be committed rejects (the request then fails)', async () => {
    const failing = Promise.reject(new Error('down'));
    failing.catch(() => undefined);
    const writer = createAuditWriter(failing, { durability: 'strict', log: quiet });
    await expect(writer.write([auditRow()])).rejects.toThrow('down');
  });
});

/** `count` events of one new request id (the way one request's events come). */
const eventsOf = (count: number, requestId: string = randomUUID()) => Array.from({ length: count }, (_, i) => auditRow({ request_id: requestId, patient: `Patient/p${i}` }));

const countAll = async (url: string) => {
  const db = await openDatabase(url);
  try {
    const ids = await db.kysely.selectFrom('audit_event').select('id').execute();
    return { rows: ids.length, distinct: new Set(ids.map((r) => r.id)).size };
  } finally {
    await db.close();
  }
};

describe.each(testBackends('audit_writer'))('the audit writer on $dialect', (backend) => {
  it('batched: many requests writing while flushes commit, then close(): every event stored exactly once', async () => {
    const url = backend.fresh();
    const writer = createAuditWriter(openDatabase(url), { durability: 'batched', flushMs: 5, maxBatch: 150, log: quiet });
    let expected = 0;
    const writes: Promise<void>[] = [];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 10; i++) {
        const events = eventsOf(1 + ((round * 10 + i) * 7) % 60);
        expected += events.length;
        writes.push(writer.write(events));
      }
      await new Promise((r) => setImmediate(r)); // let flushes start in between
    }
    await Promise.all(writes);
    await writer.close();
    expect(await countAll(url)).toEqual({ rows: expected, distinct: expected });
  });

  it('strict: each write resolves only once its events can be read from another connection', async () => {
    const url = backend.fresh();
    const db = openDatabase(url);
    const writer = createAuditWriter(db, { durability: 'strict', log: quiet });
    try {
      const requests = Array.from({ length: 30 }, (_, i) => eventsOf(1 + (i % 7) * 8));
      const seen = await Promise.all(requests.map((events) => writer.write(events).then(async () => countElsewhere(url, await db, events[0]!.request_id))));
      expect(seen).toEqual(requests.map((events) => events.length));
    } finally {
      await writer.close();
    }
  });

  it('a database error: strict writes reject; batched events are kept, said by count only, and written once it is back', async () => {
    const url = backend.fresh();
    const db = openDatabase(url);
    const lines: string[] = [];
    const strict = createAuditWriter(db, { durability: 'strict', log: quiet });
    const batched = createAuditWriter(db, { durability: 'batched', flushMs: 30, log: (_l, m) => void lines.push(m) });
    await strict.write(eventsOf(1)); // the writer is up
    await renameAuditTable(url, await db, 'audit_event', 'audit_event_away');
    const kept = [...eventsOf(70), ...eventsOf(1, 'req-secret-42')];
    try {
      await expect(strict.write(eventsOf(2))).rejects.toThrow(/audit_event/);
      await batched.write(kept);
      await batched.flush();
      expect(batched.pending).toBe(71);
      expect(lines.join('\n')).toMatch(/71 event\(s\) could not be written, kept for the next attempt/);
      expect(lines.join('\n')).not.toMatch(/secret|Patient\/p/);
    } finally {
      await renameAuditTable(url, await db, 'audit_event_away', 'audit_event');
    }
    for (let i = 0; i < 100 && batched.pending > 0; i++) await new Promise((r) => setTimeout(r, 20)); // the retry, on its own
    expect(batched.pending).toBe(0);
    await batched.flush();
    expect(await countElsewhere(url, await db, kept[0]!.request_id)).toBe(70);
    await batched.close();
    await strict.close();
    expect(await countAll(url)).toEqual({ rows: 72, distinct: 72 });
  });
});

describe('the audit writer over a SQLite writer thread that stops after committing, before acknowledging', () => {
  const [sqlite] = testBackends('audit_writer_crash');

  it('batched: the events are kept, retried and stored exactly once; strict: the write rejects', async () => {
    const url = sqlite!.fresh();
    const db = await openDatabase(url);
    const appender = crashingAppender(db, 50);
    const crashing: Db = { ...db, appendAuditEvents: (rows) => appender.append(rows) };
    const lines: string[] = [];
    const batched = createAuditWriter(Promise.resolve(crashing), { durability: 'batched', flushMs: 20, log: (_l, m) => void lines.push(m) });
    const strict = createAuditWriter(Promise.resolve(crashing), { durability: 'strict', log: quiet });
    try {
      const before = eventsOf(30);
      const marked = eventsOf(40);
      marked[5] = { ...marked[5]!, query: 'crash-after-commit' };
      const after = eventsOf(30);
      await batched.write(before);
      await batched.write(marked);
      await batched.write(after);
      await batched.flush(); // committed, then the thread stopped: not acknowledged
      expect(lines.join('\n')).toMatch(/100 event\(s\) could not be written, kept for the next attempt \(the audit database writer stopped/);
      for (let i = 0; i < 100 && batched.pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
      await batched.close(); // the retry went to a new thread; close() writes anything left

      const strictMarked = eventsOf(3);
      strictMarked[0] = { ...strictMarked[0]!, query: 'crash-after-commit' };
      await expect(strict.write(strictMarked)).rejects.toThrow(/stopped/);
      for (const events of [before, marked, after, strictMarked]) expect(await countElsewhere(url, db, events[0]!.request_id)).toBe(events.length);
      expect(await countAll(url)).toEqual({ rows: 103, distinct: 103 });
    } finally {
      await strict.close();
      await appender.close();
      await db.close();
    }
  });
});

describe('subtypeOf', () => {
  it('names the FHIR interaction of every audited route, and nothing for the others', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['POST', '/graphql', 'graphql'], ['POST', '/fhir/$graphql', '$graphql'], ['GET', '/fhir/Patient/1/$graphql', '$graphql'],
      ['GET', '/fhir/Patient/1', 'read'], ['GET', '/fhir/hospital/Patient/1', 'read'], ['GET', '/fhir/Patient/1/_history/2', 'vread'],
      ['GET', '/fhir/Patient/1/_history', 'history-instance'], ['GET', '/fhir/Patient/_history', 'history-type'],
      ['GET', '/fhir/Patient', 'search-type'], ['POST', '/fhir/Patient/_search', 'search-type'], ['POST', '/fhir/Patient', 'create'],
      ['PUT', '/fhir/Patient/1', 'update'], ['PATCH', '/fhir/Patient/1', 'patch'], ['DELETE', '/fhir/Patient/1', 'delete'],
      ['PUT', '/fhir/Patient', 'update'], ['POST', '/fhir', 'batch'],
      ['GET', '/fhir/metadata', undefined], ['GET', '/health', undefined], ['GET', '/.well-known/smart-configuration', undefined],
    ];
    for (const [method, path, subtype] of cases) expect(subtypeOf(method, path, '/graphql', '/fhir'), `${method} ${path}`).toBe(subtype);
  });
});
