// Child-process entry (forked by bench/processes.ts with an IPC channel): the upstream FHIR server
// (Medplum in-memory, src/demo/memory-fhir-server.ts) on its own event loop, controlled over IPC:
//   { id, op: 'count' }            -> { id, count }   requests since the last reset, /metadata excluded
//   { id, op: 'urls' }             -> { id, urls }    their method + URL, in arrival order
//   { id, op: 'reset' }            -> { id }
//   { id, op: 'latency', ms }      -> { id }
//   { id, op: 'hang', on }         -> { id }          on: every request except /metadata is received and never
//                                                     answered (the memory server's 'hang' fault); off: normal
// On start it sends { ready: true, baseUrl }. It exits when the parent disconnects.
import { startMemoryFhirServer } from '../src/demo/memory-fhir-server.ts';

export interface UpstreamProcessOptions {
  patients: number;
  seed: number;
  latencyMs: number;
  /** Prefix of every id (`a` gives `a-pat-0001`); same seed and another prefix: the same people, other ids. */
  idPrefix?: string;
}

export type ControlRequest =
  | { id: number; op: 'count' }
  | { id: number; op: 'urls' }
  | { id: number; op: 'reset' }
  | { id: number; op: 'latency'; ms: number }
  | { id: number; op: 'hang'; on: boolean };

export interface ControlReply { id: number; count?: number; urls?: string[]; error?: string }

const options = JSON.parse(process.argv[2] ?? '{}') as UpstreamProcessOptions;
const server = await startMemoryFhirServer({
  host: '127.0.0.1',
  port: 0,
  data: { patients: options.patients, seed: options.seed, ...(options.idPrefix ? { idPrefix: options.idPrefix } : {}) },
  latencyMs: options.latencyMs,
});

const isMetadata = (url: string): boolean => /^\/metadata(\?|$)/.test(url);
const counted = () => server.requests.filter((r) => !isMetadata(r.url));

process.on('message', (raw: unknown) => {
  const msg = raw as ControlRequest;
  const reply: ControlReply = { id: msg.id };
  switch (msg.op) {
    case 'count':
      reply.count = counted().length;
      break;
    case 'urls':
      reply.urls = counted().map((r) => `${r.method} ${r.url}`);
      break;
    case 'reset':
      server.resetRequests();
      break;
    case 'latency':
      server.setLatency(msg.ms);
      break;
    case 'hang':
      server.setFault(msg.on ? (req) => (isMetadata(req.url) ? undefined : { kind: 'hang' }) : undefined);
      break;
    default:
      reply.error = `unknown op ${JSON.stringify((msg as { op?: unknown }).op)}`;
  }
  process.send?.(reply);
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
process.send?.({ ready: true, baseUrl: server.baseUrl });
