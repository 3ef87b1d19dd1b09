import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import { fhirDirectiveUsage, planDirectives } from '../graphql/directives/directive-plan.ts';
import { reshapeData } from '../graphql/directives/reshape-result.ts';
import { withRuntimeTypes } from '../graphql/directives/runtime-types.ts';
import { armSliceRecording } from '../graphql/directives/slice-sources.ts';
import { evaluateSlices } from '../graphql/directives/slice-values.ts';
import { fhirpathBudgetFor } from '../fhir/fhirpath/fhirpath.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { toGraphQLError } from '../graphql/graphql-errors.ts';

/**
 * The HL7 FHIR GraphQL data flattening directives (@flatten @first @singleton @slice) for every way into the one
 * pipeline (/graphql, /fhir/$graphql, the instance level — whose rewritten query is reshaped like any other — and
 * WebSocket queries). Operations without them are not touched.
 *
 * Before execution: misuse that needs no data is a request error (BAD_USER_INPUT, HTTP 400, nothing executed); the
 * document executed gets `__typename` where reshaping needs runtime types; resolvers are told to record the FHIR
 * items of @slice fields. After execution the result's data is reshaped (reshape-result.ts); a failure there
 * (NOT_SINGLETON, a slice that cannot be computed) makes `data` null with the error. Incremental delivery
 * (@defer/@stream) is left as it is; a subscription that uses them is refused (BAD_USER_INPUT) before it starts.
 *
 * Register it before the plugins that add warnings and partial errors to the result (their paths stay the paths of
 * the fields as executed) and before useFieldErrorStatus (so that request errors here keep their 400).
 */
export function useFhirDirectives(): Plugin {
  return {
    onExecute(payload) {
      if (fhirDirectiveUsage(payload.args.document) !== 'fhir') return undefined; // the common case: nothing to do, no await
      return prepare(payload);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (fhirDirectiveUsage(args.document) !== 'fhir') return;
      // Refused rather than ignored: events shaped unlike what the document asks would mislead the client.
      const error = new GatewayError('BAD_USER_INPUT', 'The FHIR flattening directives (@flatten, @first, @singleton, @slice) are not applied to subscription events; select the fields without them');
      setResultAndStopExecution({ errors: [toGraphQLError(error)] });
    },
  };
}

type OnExecutePayload = Parameters<NonNullable<Plugin['onExecute']>>[0];

async function prepare({ args, executeFn, setExecuteFn, setResultAndStopExecution }: OnExecutePayload) {
  const planned = await planDirectives(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined);
  if (!planned) return undefined;
  if ('errors' in planned) {
    setResultAndStopExecution({ errors: planned.errors });
    return undefined;
  }
  const { plan } = planned;
  const document = withRuntimeTypes(args.schema, args.document, (set) => plan.groups.hasDirectives(set));
  if (document !== args.document) setExecuteFn((executeArgs) => executeFn({ ...executeArgs, document }));
  const sliceSources = plan.slicesByFhirpath ? armSliceRecording(args.contextValue as object) : undefined;
  return {
    // envelop awaits a promise returned here (@envelop/core orchestrator: iterateAsync over onExecuteDone results)
    onExecuteDone({ result, setResult }: { result: unknown; setResult: (result: ExecutionResult) => void }) {
      if (isAsyncIterable(result)) return undefined;
      const single = result as ExecutionResult;
      if (!single.data) return undefined;
      const data = single.data as Record<string, unknown>;
      const apply = (reshaped: ReturnType<typeof reshapeData>) => {
        if ('data' in reshaped) setResult({ ...single, data: reshaped.data });
        else setResult({ ...single, data: null, errors: [...(single.errors ?? []), ...reshaped.errors] });
      };
      if (!sliceSources || sliceSources.size === 0) {
        apply(reshapeData(plan, data, sliceSources)); // nothing to evaluate: synchronous, as before
        return undefined;
      }
      // @slice FHIRPath values: evaluated off the event loop first (one batch, the request's FHIRPath budget), then reshaped
      return evaluateSlices(sliceSources, fhirpathBudgetFor(args.contextValue as object)).then((values) => {
        apply(reshapeData(plan, data, sliceSources, values));
      });
    },
  };
}
