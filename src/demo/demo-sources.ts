/**
 * The embedded default: two demo FHIR servers holding overlapping people. The lab knows the first 60 % of the
 * hospital's patients, under its own ids and MRNs but with the same national id, so that `npm start` shows
 * federation (merged searches, sourceId) and Patient.sameAs at once. Writes that name no source go to the hospital
 * (defaultWriteSource, unless one was configured), so that a FHIR client at /fhir can create.
 */
import type { Config, SourceConfig } from '../config/config.types.ts';
import { DEFAULT_SOURCE } from '../config/defaults.ts';
import { ConfigError, writeSourceProblem } from '../config/load-config.ts';
import { startMemoryFhirServer } from './memory-fhir-server.ts';
import { NATIONAL_ID_SYSTEM } from './synthetic-data.ts';

/** The source writes that name none go to, unless defaultWriteSource names another demo source. */
export const DEMO_WRITE_SOURCE = 'hospital';

export interface DemoSources {
  /**
   * The config with the demo sources, the national id as person identifier unless one was configured, and
   * defaultWriteSource 'hospital' unless one was configured.
   */
  readonly config: Config;
  /** One line for the log. */
  readonly description: string;
  close(): Promise<void>;
}

/** Throws a ConfigError, before any server starts, when the configured defaultWriteSource is not a demo source. */
export async function startDemoSources(config: Config): Promise<DemoSources> {
  const { patients, seed } = config.demo;
  const demos = [
    { id: DEMO_WRITE_SOURCE, patients, idPrefix: undefined },
    { id: 'lab', patients: Math.ceil(patients * 0.6), idPrefix: 'lab' },
  ];
  const problem = config.defaultWriteSource === null ? undefined : writeSourceProblem(config.defaultWriteSource, demos.map((d) => d.id));
  if (problem !== undefined) {
    throw new ConfigError([`${problem}; with no source configured, the embedded demo sources are the only ones`]);
  }
  const servers = await Promise.all(
    demos.map((d) =>
      startMemoryFhirServer({ host: '127.0.0.1', port: 0, data: { patients: d.patients, seed, ...(d.idPrefix ? { idPrefix: d.idPrefix } : {}) } }),
    ),
  );
  const sources: SourceConfig[] = demos.map((d, i) => ({
    ...DEFAULT_SOURCE,
    id: d.id,
    baseUrl: servers[i]!.baseUrl,
    resourceTypes: null,
    headers: {},
    auth: { type: 'none' },
  }));
  const systems = config.identity.patientIdentifierSystems;
  const defaultWriteSource = config.defaultWriteSource ?? DEMO_WRITE_SOURCE;
  return {
    config: Object.freeze({
      ...config,
      sources: Object.freeze(sources),
      identity: Object.freeze({ patientIdentifierSystems: systems.length > 0 ? systems : Object.freeze([NATIONAL_ID_SYSTEM]) }),
      defaultWriteSource,
    }),
    description:
      `started two embedded demo FHIR R4 servers (Medplum in-memory) with synthetic patients (seed ${seed}): ` +
      demos.map((d, i) => `'${d.id}' at ${servers[i]!.baseUrl} (${d.patients} patients)`).join(', ') +
      `; the same people share the national id ${NATIONAL_ID_SYSTEM} (Patient.sameAs); writes that name no source go to ` +
      `'${defaultWriteSource}' (defaultWriteSource)`,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
