import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../graphql/context.ts';

/**
 * Adds the request's partial failures (one source failed, the field answered with the others' data) to the
 * result's `errors`, after any error of execution itself.
 */
export function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const ctx = args.contextValue as GatewayContext;
      return {
        onExecuteDone({ result, setResult }) {
          if (ctx.partialErrors.length === 0 || !('data' in result || 'errors' in result)) return;
          const single = result as { errors?: readonly unknown[] };
          setResult({ ...result, errors: [...(single.errors ?? []), ...ctx.partialErrors] } as never);
        },
      };
    },
  };
}
