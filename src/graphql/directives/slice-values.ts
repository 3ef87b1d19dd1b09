import { evaluateFhirpath, FhirpathError, type FhirpathBudget } from '../../fhir/fhirpath/fhirpath.ts';
import type { SliceSource } from './slice-sources.ts';

/** The FHIRPath results of one recorded @slice field: per item, or the failure of the whole field. */
export type SliceValues = { readonly values: readonly (readonly unknown[])[] } | { readonly error: FhirpathError };

/**
 * Evaluates the @slice expression of every recorded field on its FHIR items, in the FHIRPath worker: all fields at
 * once (one message to the worker for the lot), before the result is reshaped synchronously with them. Expected
 * failures (invalid expression, FHIRPATH_TIMEOUT) are kept per field for the reshaping to report; anything else
 * (the worker could not run at all) is thrown.
 */
export async function evaluateSlices(sources: ReadonlyMap<string, SliceSource>, budget?: FhirpathBudget): Promise<Map<string, SliceValues>> {
  const keys: string[] = [];
  const pending: Promise<unknown[][]>[] = [];
  for (const [key, source] of sources) {
    if (source.expression === undefined || source.expression === '$index') continue;
    keys.push(key);
    pending.push(
      evaluateFhirpath(source.items, source.expression, {
        ...(source.base !== undefined ? { base: source.base } : {}),
        ...(source.root !== undefined ? { root: source.root } : {}),
        ...(budget ? { budget } : {}),
      }),
    );
  }
  const settled = await Promise.allSettled(pending);
  const out = new Map<string, SliceValues>();
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') out.set(keys[i]!, { values: s.value });
    else if (s.reason instanceof FhirpathError) out.set(keys[i]!, { error: s.reason });
    else throw s.reason;
  });
  return out;
}
