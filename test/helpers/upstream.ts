// Starts a real FHIR R4 upstream (Medplum's in-memory repository + router over node:http) on
// 127.0.0.1, an ephemeral port, seeded with deterministic synthetic data. Remember to close() it.
import { startMemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import type { CapabilityEdit, MemoryFhirServer, MemoryFhirServerOptions } from '../../src/demo/memory-fhir-server.ts';

export interface StartUpstreamOptions {
  patients?: number;   // default 10
  seed?: number;       // default 1
  idPrefix?: string;   // ids like 'a-pat-0001'; MRN system urn:demo:mrn:a
  latencyMs?: number;
  basePath?: string;
  resources?: object[];
  /** Edits the CapabilityStatement served at /metadata (a server that supports less). */
  capabilities?: CapabilityEdit;
  /** Access control: called with each request's Authorization header; false answers 401. */
  authorize?: (authorizationHeader: string | undefined) => boolean;
}

export function startUpstream(opts: StartUpstreamOptions = {}): Promise<MemoryFhirServer> {
  const options: MemoryFhirServerOptions = {
    host: '127.0.0.1',
    port: 0,
    data: { patients: opts.patients ?? 10, seed: opts.seed ?? 1, ...(opts.idPrefix ? { idPrefix: opts.idPrefix } : {}) },
  };
  if (opts.latencyMs !== undefined) options.latencyMs = opts.latencyMs;
  if (opts.basePath !== undefined) options.basePath = opts.basePath;
  if (opts.resources) options.resources = opts.resources;
  if (opts.capabilities) options.capabilities = opts.capabilities;
  if (opts.authorize) options.authorize = opts.authorize;
  return startMemoryFhirServer(options);
}
