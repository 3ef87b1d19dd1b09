import type { Plugin } from 'graphql-yoga';
import type { FhirContext } from '../fhir/fhir-context.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import { logUnexpectedPartials } from './use-error-masking.ts';

/**
 * Adds the request's partial failures (one source failed, the field answered with the others' data) to the
 * result's `errors`, after any error of execution itself, each at the path of the field it concerns.
 */
export function usePartialErrors(log: (message: string) => void): Plugin<FhirContext> {
  return {
    onExecute({ args }) {
      const ctx = args.contextValue as FhirContext;
      return {
        onExecuteDone({ result, setResult }) {
          if (ctx.partialFailures.length === 0 || !('data' in result || 'errors' in result)) return;
          const single = result as { errors?: readonly unknown[] };
          logUnexpectedPartials(ctx.partialFailures, ctx.requestId, log);
          const partial = ctx.partialFailures.map((f) => toGraphQLError(f.error, { path: f.path }));
          setResult({ ...result, errors: [...(single.errors ?? []), ...partial] } as never);
        },
      };
    },
  };
}
