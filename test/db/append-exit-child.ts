// Run as a child process by test/db/audit-append.test.ts (plain Node): appends rows to the SQLite file argv[2] and
// prints 'committed' when the append resolves, without closing anything. Nothing but the append holds the process
// open: it must stay alive until the writer thread has committed, then exit on its own (an idle writer thread does
// not hold it).
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/db/database.ts';

const db = await openDatabase(`sqlite:${process.argv[2]}`);
const ms = Date.now();
const rows = Array.from({ length: Number(process.argv[3] ?? 500) }, () => ({
  id: randomUUID(), recorded: new Date(ms).toISOString(), recorded_ms: ms, action: 'R' as const, outcome: '0' as const,
  type_code: 'rest', subtype: 'read', request_id: 'req-exit-child', source_ids: '[]', patient: 'Patient/p1',
}));
void db.appendAuditEvents(rows).then(
  () => process.stdout.write('committed\n'),
  (error: Error) => process.stdout.write(`failed: ${error.message}\n`),
);
