// Run in a worker thread by test/db/*.test.ts (plain Node, not vitest): once the shared barrier opens, opens the database
// `url` names (migrating it), closes it, and reports how that went. Stands in for another gateway process.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../src/db/database.ts';

const { url, barrier } = workerData as { url: string; barrier: SharedArrayBuffer };
const port = parentPort;
if (port === null) throw new Error('open-worker.ts runs in a worker thread');
port.postMessage({ ready: true });
Atomics.wait(new Int32Array(barrier), 0, 0);
try {
  const db = await openDatabase(url);
  await db.close();
  port.postMessage({ ok: true });
} catch (error) {
  port.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
