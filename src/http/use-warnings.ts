import type { Plugin } from 'graphql-yoga';
import type { FhirContext } from '../fhir/fhir-context.ts';

/**
 * Puts the request's non-fatal notes (e.g. a capped `_count`) into `extensions.warnings` of the result; for a
 * subscription, each event's own notes into that event's result (the FHIR core starts them afresh per event).
 */
export function useWarnings(): Plugin<FhirContext> {
  const withWarnings = (ctx: FhirContext) => ({ result, setResult }: { result: unknown; setResult: (result: never) => void }) => {
    if (ctx.warnings.length === 0 || !('data' in (result as object) || 'errors' in (result as object))) return;
    const single = result as { extensions?: Record<string, unknown> };
    setResult({ ...single, extensions: { ...single.extensions, warnings: [...ctx.warnings] } } as never);
  };
  return {
    onExecute({ args }) {
      return { onExecuteDone: withWarnings(args.contextValue as FhirContext) };
    },
    onSubscribe({ args }) {
      return { onSubscribeResult: () => ({ onNext: withWarnings(args.contextValue as FhirContext) }) };
    },
  };
}
