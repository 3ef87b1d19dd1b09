// Appends to a change log from a connection of its own, as another gateway process (or thread) would: opens the
// database, says it is ready, waits for the go, then appends `count` versionless changes (one transaction each, every
// third a batch of two) and reports the event numbers it was given.
//   as a process: node change-log-child.ts URL COUNT TAG   (ready/go over stdout/stdin; the result as JSON on stdout)
//   as a worker:  workerData { url, count, tag, barrier }  (ready/result as messages; the go through the barrier)
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../src/db/database.ts';
import { ChangeLog } from '../../src/events/change-log.ts';
import type { NewChange } from '../../src/fhir/change-event.ts';

interface Job {
  readonly url: string;
  readonly count: number;
  readonly tag: string;
}

const change = (tag: string, i: number): NewChange => ({
  action: 'create', sourceId: 'hospital', resourceType: i % 2 === 0 ? 'Patient' : 'Observation', id: `${tag}-${i}`, versionId: null,
  resource: { resourceType: i % 2 === 0 ? 'Patient' : 'Observation', id: `${tag}-${i}` } as NewChange['resource'], previous: null,
});

async function run(job: Job, ready: () => Promise<void>): Promise<{ numbers: string[]; ids: string[] }> {
  const db = await openDatabase(job.url);
  try {
    const log = new ChangeLog(db);
    await log.position(); // connected
    await ready();
    const numbers: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < job.count;) {
      const batch = i % 3 === 2 && i + 1 < job.count ? [change(job.tag, i), change(job.tag, i + 1)] : [change(job.tag, i)];
      i += batch.length;
      for (const event of await log.append(batch)) {
        numbers.push(event.eventNumber);
        ids.push(event.id);
      }
    }
    return { numbers, ids };
  } finally {
    await db.close();
  }
}

if (isMainThread) {
  const [url, count, tag] = process.argv.slice(2);
  const result = await run({ url: url!, count: Number(count), tag: tag! }, async () => {
    process.stdout.write('ready\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  const { barrier, ...job } = workerData as Job & { barrier: SharedArrayBuffer };
  const result = await run(job, async () => {
    parentPort!.postMessage({ ready: true });
    Atomics.wait(new Int32Array(barrier), 0, 0);
  });
  parentPort!.postMessage(result);
}
