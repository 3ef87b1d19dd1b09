// The audit writer's promises: batched events reach the database in multi-row inserts off the request path and are
// kept (bounded) while it cannot be written; strict writes commit or fail the request; close() flushes. And which
// FHIR interaction a request is, for AuditEvent.subtype.
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/audit-writer.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { subtypeOf } from '../../src/http/use-audit.ts';
import { auditRow } from '../db/helpers.ts';

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
