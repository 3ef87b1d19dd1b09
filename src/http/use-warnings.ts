import type { Plugin } from 'graphql-yoga';
import type { FhirContext } from '../fhir/fhir-context.ts';

/** Puts the request's non-fatal notes (e.g. a capped `_count`) into `extensions.warnings` of the result. */
export function useWarnings(): Plugin<FhirContext> {
  return {
    onExecute({ args }) {
      const ctx = args.contextValue as FhirContext;
      return {
        onExecuteDone({ result, setResult }) {
          if (ctx.warnings.length === 0 || !('data' in result || 'errors' in result)) return;
          const single = result as { extensions?: Record<string, unknown> };
          setResult({ ...result, extensions: { ...single.extensions, warnings: ctx.warnings } } as never);
        },
      };
    },
  };
}
