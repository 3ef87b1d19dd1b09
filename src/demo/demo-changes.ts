/**
 * Live changes of the embedded demo (`npm start` with no source; config `demo.changes`, on by default), so that a
 * subscription opened in GraphiQL shows events at once, without anyone writing:
 * - change capture: each demo source is configured as a real source would be, `changes.mode: "subscription"`, so the
 *   gateway registers R4 Subscriptions on the demo server and hears every change made on it directly (by the trickle,
 *   or by a FHIR client talking to the demo server itself) at `/hooks/{id}` — the same path as any source's;
 * - a trickle: every `demo.changeIntervalMs`, a new vital-sign Observation of one of the hospital's synthetic patients,
 *   written through the hospital server's own FHIR API (MemoryFhirServer.request), so that its Subscriptions notify.
 */
import { randomBytes } from 'node:crypto';
import type { Observation } from '@medplum/fhirtypes';
import type { SubscriptionCaptureConfig } from '../config/config.types.ts';
import { DEFAULT_CHANGES_OPTIONS } from '../config/defaults.ts';
import type { MemoryFhirServer } from './memory-fhir-server.ts';
import { VITAL_SIGNS, type VitalSign } from './synthetic-vocabulary.ts';

/** The types the demo sources notify the gateway of: one Subscription each. */
export const DEMO_CAPTURE_TYPES = Object.freeze(['Patient', 'Observation', 'Condition', 'Encounter', 'MedicationRequest']);

/** The vital signs the trickle writes, in turn: heart rate, respiratory rate, body temperature. */
const TRICKLE_VITALS: readonly VitalSign[] = ['8867-4', '9279-1', '8310-5'].map((loinc) => VITAL_SIGNS.find((v) => v.loinc === loinc)!);

/** A step through the patients that visits each of them before any twice when it shares no factor with their number. */
const PATIENT_STRIDE = 37;

/** A fresh secret for the demo sources' channel header: made at each start, never logged. */
export function demoHookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The change capture of one demo source: the gateway registers a Subscription per type on it, notifying
 * `{gatewayRoot}/hooks/{sourceId}` with the resource (full-resource) and the secret in the channel header.
 */
export function demoCapture(sourceId: string, gatewayRoot: string, secret: string): SubscriptionCaptureConfig {
  return Object.freeze({
    mode: 'subscription',
    secret,
    header: DEFAULT_CHANGES_OPTIONS.header,
    criteria: DEMO_CAPTURE_TYPES,
    types: DEMO_CAPTURE_TYPES,
    payload: 'full-resource',
    callbackUrl: `${gatewayRoot}/hooks/${sourceId}`,
  });
}

/** The `tick`th Observation of the trickle (0-based): whose, which vital sign, now, a plausible value. */
export function trickleObservation(patientIds: readonly string[], tick: number, now: Date, random: () => number = Math.random): Observation {
  const vital = TRICKLE_VITALS[tick % TRICKLE_VITALS.length]!;
  const patient = patientIds[(tick * PATIENT_STRIDE) % patientIds.length]!;
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: vital.loinc, display: vital.display }], text: vital.display },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: now.toISOString(),
    valueQuantity: {
      value: Number((vital.min + random() * (vital.max - vital.min)).toFixed(vital.decimals)),
      unit: vital.unit,
      system: 'http://unitsofmeasure.org',
      code: vital.ucum,
    },
  };
}

export interface TrickleOptions {
  /** The server written to, through its own FHIR API. */
  readonly server: Pick<MemoryFhirServer, 'request'>;
  /** The patients the Observations are of, in turn (at least one). */
  readonly patientIds: readonly string[];
  readonly intervalMs: number;
  /** Called once for each write that failed. */
  readonly onFailure: (message: string) => void;
}

export interface Trickle {
  /** Observations written so far. */
  readonly written: number;
  /** No more writes; resolves once a write under way has ended. */
  stop(): Promise<void>;
}

/**
 * Writes a new vital-sign Observation every intervalMs, the first one intervalMs after the start. The timer does not
 * keep the process alive; a tick that comes while the previous write is still under way is skipped. A failed write
 * (an error answer, or a throw) is reported once and the trickle goes on.
 */
export function startTrickle(options: TrickleOptions): Trickle {
  let tick = 0;
  let written = 0;
  let running: Promise<void> | undefined;
  const write = async () => {
    const observation = trickleObservation(options.patientIds, tick++, new Date());
    try {
      const answer = await options.server.request('POST', 'Observation', observation);
      if (answer.status !== 201) {
        const issue = (answer.body as { issue?: Array<{ details?: { text?: string }; diagnostics?: string }> } | undefined)?.issue?.[0];
        throw new Error(`HTTP ${answer.status}${issue ? `: ${issue.details?.text ?? issue.diagnostics ?? ''}` : ''}`);
      }
      written++;
    } catch (error) {
      options.onFailure(`demo trickle: writing a new Observation of ${observation.subject!.reference} to the demo server failed (${(error as Error).message}); trying again in ${options.intervalMs} ms`);
    }
  };
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = write().finally(() => (running = undefined));
  }, options.intervalMs).unref();
  return {
    get written() { return written; },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
