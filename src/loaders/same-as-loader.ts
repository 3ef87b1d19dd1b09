import DataLoader from 'dataloader';
import type { FhirResource } from '../sources/fhir-types.ts';
import { SEP, sourceOrThrow, type LoaderDeps } from './loader-deps.ts';

export interface SameAsRequest {
  /** The Patient whose other records are wanted. */
  readonly sourceId: string;
  readonly id: string;
  /** Its identifiers in the configured person-identifying systems, as `system|value`. */
  readonly identifiers: readonly string[];
}

export interface SameAsResult {
  /** Patients of other sources sharing one of the identifiers, in source order. */
  readonly matches: FhirResource[];
  /** Sources that could not be asked (their Patients are missing from matches). */
  readonly failures: ReadonlyArray<{ readonly sourceId: string; readonly error: unknown }>;
}

export type SameAsLoader = DataLoader<SameAsRequest, SameAsResult, string>;

/** A token search value: `\`, `,`, `|` and `$` in a system or value are escaped as FHIR search requires. */
export function identifierToken(system: string, value: string): string {
  const escape = (s: string) => s.replace(/[\\,|$]/g, '\\$&');
  return `${escape(system)}|${escape(value)}`;
}

/**
 * The same person in the other sources, for every Patient in a list at once: one `Patient?identifier=` search per
 * source (URL-sized chunks) with the identifiers of all the patients that source does not hold, then each match
 * handed to the patients it shares a configured identifier with, compared exactly (system and value).
 */
export function createSameAsLoader(deps: LoaderDeps): SameAsLoader {
  const systems = new Set(deps.patientIdentifierSystems);
  return new DataLoader<SameAsRequest, SameAsResult, string>(
    async (requests) => {
      const sources = deps.sources.forType('Patient');
      const perSource = await Promise.all(
        sources.map(async (source) => {
          const wanted = [...new Set(requests.filter((r) => r.sourceId !== source.id).flatMap((r) => r.identifiers))];
          if (wanted.length === 0) return { sourceId: source.id, patients: [] as FhirResource[] };
          try {
            const client = sourceOrThrow(deps, source.id).client;
            const chunks = client.chunkValues('Patient', 'identifier', wanted);
            const pages = await Promise.all(
              chunks.map((chunk) => client.searchAll('Patient', [['identifier', chunk.join(',')], ['_count', String(client.batchPageSize)]], deps.call)),
            );
            return { sourceId: source.id, patients: pages.flat() };
          } catch (error) {
            return { sourceId: source.id, patients: [] as FhirResource[], error };
          }
        }),
      );
      return requests.map((request) => {
        const mine = new Set(request.identifiers);
        const matches: FhirResource[] = [];
        const failures: Array<{ sourceId: string; error: unknown }> = [];
        for (const result of perSource) {
          if (result.sourceId === request.sourceId || mine.size === 0) continue;
          if ('error' in result) {
            failures.push({ sourceId: result.sourceId, error: result.error });
            continue;
          }
          const seen = new Set<string>();
          for (const patient of result.patients) {
            if (patient.id === undefined || seen.has(patient.id)) continue;
            if (personIdentifiers(patient, systems).some((token) => mine.has(token))) {
              seen.add(patient.id);
              matches.push(patient);
            }
          }
        }
        return { matches, failures };
      });
    },
    { cacheKeyFn: (r) => r.sourceId + SEP + r.id },
  );
}

/** A Patient's identifiers in the configured systems, as search tokens. */
export function personIdentifiers(patient: FhirResource, systems: ReadonlySet<string>): string[] {
  const identifiers = (patient as { identifier?: unknown }).identifier;
  if (!Array.isArray(identifiers)) return [];
  const out: string[] = [];
  for (const i of identifiers as Array<{ system?: unknown; value?: unknown }>) {
    if (typeof i.system === 'string' && typeof i.value === 'string' && i.value !== '' && systems.has(i.system)) {
      out.push(identifierToken(i.system, i.value));
    }
  }
  return out;
}
