/**
 * The embedded default: two demo FHIR servers holding overlapping people. The lab knows the first 60 % of the
 * hospital's patients, under its own ids and MRNs but with the same national id, so that `npm start` shows
 * federation (merged searches, sourceId) and Patient.sameAs at once. Writes that name no source go to the hospital
 * (defaultWriteSource, unless one was configured), so that a FHIR client at /fhir can create. With demo.changes (and
 * the gateway's root given), the demo servers notify the gateway of their changes and the hospital gets a trickle of
 * new vital signs (demo-changes.ts).
 */
import type { Config, SourceConfig } from '../config/config.types.ts';
import { DEFAULT_SOURCE } from '../config/defaults.ts';
import { ConfigError, writeSourceProblem } from '../config/load-config.ts';
import { demoCapture, demoHookSecret, startTrickle, type Trickle } from './demo-changes.ts';
import { startMemoryFhirServer } from './memory-fhir-server.ts';
import { NATIONAL_ID_SYSTEM, syntheticPatientId } from './synthetic-data.ts';

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
  /** One line for the log when demo changes are on (how often, how to turn them off); undefined when off. */
  readonly changes: string | undefined;
  /** Starts the trickle (once the gateway listens), when demo changes are on and the hospital has patients. */
  startTrickle(): void;
  /** Stops the trickle (before the gateway stops); close() does too. */
  stopTrickle(): Promise<void>;
  close(): Promise<void>;
}

export interface DemoSourcesOptions {
  /**
   * The gateway's own root (`http://127.0.0.1:4000`, no trailing slash): with config.demo.changes, each demo source is
   * captured in mode "subscription", notifying `{it}/hooks/{id}`. Without it demo changes stay off.
   */
  readonly gatewayRoot?: string;
  /** Where a failed trickle write is reported (default: nowhere). */
  readonly warn?: (message: string) => void;
}

/** Throws a ConfigError, before any server starts, when the configured defaultWriteSource is not a demo source. */
export async function startDemoSources(config: Config, options: DemoSourcesOptions = {}): Promise<DemoSources> {
  const { patients, seed } = config.demo;
  const gatewayRoot = config.demo.changes ? options.gatewayRoot : undefined;
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
  const secret = gatewayRoot === undefined ? undefined : demoHookSecret();
  const sources: SourceConfig[] = demos.map((d, i) => ({
    ...DEFAULT_SOURCE,
    id: d.id,
    baseUrl: servers[i]!.baseUrl,
    resourceTypes: null,
    headers: {},
    auth: { type: 'none' },
    ...(gatewayRoot !== undefined && secret !== undefined && { changes: demoCapture(d.id, gatewayRoot, secret) }),
  }));
  const hospital = servers[0]!;
  const patientIds = Array.from({ length: patients }, (_, i) => syntheticPatientId(i + 1, patients));
  const trickles = gatewayRoot !== undefined && patients > 0;
  const every = `${config.demo.changeIntervalMs / 1000} s`;
  let trickle: Trickle | undefined;
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
    changes: gatewayRoot === undefined ? undefined
      : `Demo changes: the demo servers notify ${gatewayRoot}/hooks/{id} of every change made on them (Subscriptions the gateway registers), ` +
        (trickles ? `and '${DEMO_WRITE_SOURCE}' gets a new vital-sign Observation every ${every} (subscription { ObservationChanged(category: "vital-signs") { eventNumber id } } shows them)` : `with no patient to write vital signs of`) +
        '. Turn them off with --no-demo-changes (or GATEWAY_DEMO_CHANGES=0).',
    startTrickle() {
      if (!trickles || trickle !== undefined) return;
      trickle = startTrickle({ server: hospital, patientIds, intervalMs: config.demo.changeIntervalMs, onFailure: options.warn ?? (() => undefined) });
    },
    async stopTrickle() {
      await trickle?.stop();
    },
    async close() {
      await trickle?.stop();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
