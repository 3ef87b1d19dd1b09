import type { Plugin } from 'graphql-yoga';
import type { FhirContext } from '../fhir/fhir-context.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';
import { logUnexpectedPartials } from './use-error-masking.ts';

/**
 * Adds the request's partial failures (one source failed, the field answered with the others' data) to the
 * result's `errors`, after any error of execution itself, each at the path of the field it concerns; for a
 * subscription, each event's own failures to that event's result.
 */
export function usePartialErrors(log: (message: string) => void): Plugin<FhirContext> {
  const withPartials = (ctx: FhirContext) => ({ result, setResult }: { result: unknown; setResult: (result: never) => void }) => {
    if (ctx.partialFailures.length === 0 || !('data' in (result as object) || 'errors' in (result as object))) return;
    const single = result as { errors?: readonly unknown[] };
    logUnexpectedPartials(ctx.partialFailures, ctx.requestId, log);
    const partial = ctx.partialFailures.map((f) => toGraphQLError(f.error, { path: f.path }));
    setResult({ ...single, errors: [...(single.errors ?? []), ...partial] } as never);
  };
  return {
    onExecute({ args }) {
      return { onExecuteDone: withPartials(args.contextValue as FhirContext) };
    },
    onSubscribe({ args }) {
      return { onSubscribeResult: () => ({ onNext: withPartials(args.contextValue as FhirContext) }) };
    },
  };
}
