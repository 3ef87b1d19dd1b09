import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.ts';

/**
 * Where a result is being produced: a GraphQL field (its resolve info), or an explicit response path — the REST shim
 * runs the same search code outside GraphQL and passes `[]`.
 */
export type ResultSite = GraphQLResolveInfo | readonly (string | number)[];

/** The response path of a field, as GraphQL errors and warnings carry it. */
export function pathOf(site: ResultSite): (string | number)[] {
  if (!('fieldName' in site)) return [...site];
  const out: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = site.path; p; p = p.prev) out.unshift(p.key);
  return out;
}

/**
 * Records the failure of one source while the field still answers with the other sources' data: the response
 * gets an error at the field's path with the source's code, `extensions.source` and the upstream status.
 * Errors without a code are not ours to show: they become an opaque internal error.
 */
export function reportPartialFailure(ctx: GatewayContext, site: ResultSite, error: unknown, sourceId: string): void {
  const path = pathOf(site);
  if (error instanceof GraphQLError && typeof error.extensions['code'] === 'string') {
    ctx.partialErrors.push(new GraphQLError(error.message, { path, extensions: { ...error.extensions, source: error.extensions['source'] ?? sourceId } }));
    return;
  }
  ctx.partialErrors.push(
    new GraphQLError(`Source '${sourceId}' failed unexpectedly`, { path, extensions: { code: 'INTERNAL_SERVER_ERROR', source: sourceId } }),
  );
}
