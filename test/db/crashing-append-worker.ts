// Run as the audit append worker by test/db/audit-append.test.ts (plain Node, not vitest): the real worker
// (src/db/sqlite-append-worker.ts), except that an append whose rows include an event with query 'crash-after-commit'
// that is not stored yet stops the thread right after its transaction committed, before it is acknowledged — the
// ambiguous failure a retry must not turn into duplicates. The same rows sent again (stored by then) go through.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeRows } from '../../src/db/audit-row-codec.ts';
import { AUDIT_EVENT_COLUMNS } from '../../src/db/schema.ts';
import type { AppendWorkerData, FromAppendWorker, ToAppendWorker } from '../../src/db/sqlite-append-worker.ts';

const port = parentPort!;
const [ID, QUERY] = [AUDIT_EVENT_COLUMNS.indexOf('id'), AUDIT_EVENT_COLUMNS.indexOf('query')];
const { path } = workerData as AppendWorkerData;
const look = new DatabaseSync(path, { readOnly: true });
let crashAfterCommit = false;

port.on('message', (message: ToAppendWorker) => {
  if (message.kind !== 'append') return;
  const rows: Array<{ id: string; query: string | null }> = [];
  decodeRows<string | null>(message.rows, AUDIT_EVENT_COLUMNS.length, (values) => rows.push({ id: values[ID]!, query: values[QUERY]! }));
  const marked = rows.find((r) => r.query === 'crash-after-commit');
  if (marked !== undefined && look.prepare('select 1 from audit_event where id = ?').get(marked.id) === undefined) crashAfterCommit = true;
});

const post = port.postMessage.bind(port);
port.postMessage = (message: FromAppendWorker) => {
  if (crashAfterCommit && message.kind === 'committed') process.exit(7); // committed, never acknowledged
  post(message);
};

await import('../../src/db/sqlite-append-worker.ts');
