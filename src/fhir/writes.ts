import { GatewayError } from '../errors/gateway-error.ts';
import { changeOf, recordChanges } from './record-change.ts';
import { accessTo } from './restriction.ts';
import { narrowCriteria, requireExisting, requireWritable } from './write-access.ts';
import { shown } from '../errors/shown.ts';
import { resourceKey } from '../loaders/create-loaders.ts';
import type { WriteOptions } from '../sources/fhir-client.ts';
import type { FhirResource } from '../sources/fhir-types.ts';
import type { Source } from '../sources/source-registry.ts';
import { ifMatchHeader, ifNoneExistHeader } from '../sources/write-headers.ts';
import { warn, type FhirContext, type ResultPath } from './fhir-context.ts';
import { checkId } from './read.ts';
import { createTarget, namedTarget } from './source-choice.ts';

/** The value of `XDelete`: what was deleted, where. */
export interface DeletedResource {
  readonly resourceType: string;
  readonly id: string;
  readonly sourceId: string;
  readonly outcome: FhirResource | undefined;
}

interface WriteArgs {
  readonly sourceId?: string | null | undefined;
}

/**
 * `XCreate(res:, sourceId:, ifNoneExist:)`: one POST to one source. An `id` in `res` is dropped: the server assigns
 * it (the HL7 page: "if it is present, the value is overwritten by the server"; FHIR REST: the server SHALL ignore
 * it). A conditional create that found its match returns that resource, with an EXISTING_RESOURCE warning.
 */
export async function createResource(
  ctx: FhirContext,
  at: ResultPath | undefined,
  resourceType: string,
  args: WriteArgs & { readonly res?: unknown; readonly ifNoneExist?: string | null | undefined },
): Promise<FhirResource> {
  const restriction = await accessTo(ctx, resourceType, 'c');
  const { id: _ignored, ...body } = resourceBody(args.res, resourceType);
  const source = createTarget(ctx, resourceType, args.sourceId, 'create');
  requireWritable(ctx, restriction, body, source.id, 'c');
  const ifNoneExist = args.ifNoneExist === undefined || args.ifNoneExist === null ? args.ifNoneExist : narrowCriteria(restriction, source.id, args.ifNoneExist, resourceType);
  const opts: WriteOptions = { ...writeDeadline(ctx), ...ifNoneExistOption(ifNoneExist, ctx.limits.maxUrlLength) };
  const written = await source.client.create(resourceType, body, opts);
  remember(ctx, source, written.resource);
  ctx.trail.record(written.status === 200 ? 'R' : 'C', [written.resource], source.id);
  if (written.status !== 200) await recordChanges(ctx, at, [changeOf('create', source.id, written.resource)].filter((c) => c !== undefined));
  if (opts.ifNoneExist !== undefined && written.status === 200) {
    warn(ctx, at, 'EXISTING_RESOURCE', `ifNoneExist matched ${resourceType}/${String(written.resource.id)} in source '${source.id}': nothing was created`);
  }
  return written.resource;
}

/** `XUpdate(id:, res:, sourceId:, ifMatch:)`: one PUT. `res.id` may be left out; if given it must be `id`. */
export async function updateResource(
  ctx: FhirContext,
  resourceType: string,
  args: WriteArgs & { readonly id: string; readonly res?: unknown; readonly ifMatch?: string | null | undefined },
): Promise<FhirResource> {
  checkId(args.id);
  const restriction = await accessTo(ctx, resourceType, 'u');
  const body = resourceBody(args.res, resourceType);
  if (body.id !== undefined && body.id !== args.id) {
    throw new GatewayError('BAD_USER_INPUT', `res.id '${shown(String(body.id))}' differs from id '${args.id}'; leave it out or make them equal`);
  }
  const opts: WriteOptions = { ...writeDeadline(ctx), ...ifMatchOption(args.ifMatch) };
  const source = namedTarget(ctx, resourceType, args.sourceId);
  await requireExisting(ctx, restriction, source.id, resourceType, args.id, 'u');
  requireWritable(ctx, restriction, { ...body, id: args.id }, source.id, 'u');
  const written = await source.client.update(resourceType, args.id, { ...body, id: args.id }, opts);
  remember(ctx, source, written.resource);
  ctx.trail.record('U', [written.resource], source.id);
  await recordChanges(ctx, undefined, [changeOf(written.status === 201 ? 'create' : 'update', source.id, written.resource)].filter((c) => c !== undefined));
  return written.resource;
}

/** `XDelete(id:, sourceId:, ifMatch:)`: one DELETE. */
export async function deleteResource(
  ctx: FhirContext,
  resourceType: string,
  args: WriteArgs & { readonly id: string; readonly ifMatch?: string | null | undefined },
): Promise<DeletedResource> {
  checkId(args.id);
  const restriction = await accessTo(ctx, resourceType, 'd');
  const opts: WriteOptions = { ...writeDeadline(ctx), ...ifMatchOption(args.ifMatch) };
  const source = namedTarget(ctx, resourceType, args.sourceId);
  await requireExisting(ctx, restriction, source.id, resourceType, args.id, 'd');
  const result = await source.client.delete(resourceType, args.id, opts);
  ctx.trail.record('D', [{ resourceType, id: args.id }], source.id);
  await recordChanges(ctx, undefined, [changeOf('delete', source.id, { resourceType, id: args.id })].filter((c) => c !== undefined));
  forget(ctx, resourceKey(source.id, resourceType, args.id));
  return { resourceType, id: args.id, sourceId: source.id, outcome: result.outcome };
}

/** `res` as FHIR JSON of the mutation's type: its resourceType (filled in when left out) must be the type's. */
function resourceBody(res: unknown, resourceType: string): FhirResource {
  if (typeof res !== 'object' || res === null || Array.isArray(res)) throw new GatewayError('BAD_USER_INPUT', 'res must be a resource object');
  const body = withoutNulls(res) as Record<string, unknown>;
  const given = body['resourceType'];
  if (given !== undefined && given !== resourceType) {
    throw new GatewayError('BAD_USER_INPUT', `res.resourceType is '${shown(String(given))}', but ${resourceType} mutations write a ${resourceType}`);
  }
  return { ...body, resourceType };
}

/**
 * GraphQL input objects carry explicit nulls for fields given as `null`; FHIR JSON has no null properties. Nulls in
 * arrays stay: they pair a primitive array with its `_name` companion (`given: ["A", null]`).
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null && v !== undefined) out[key] = withoutNulls(v);
  return out;
}

function ifMatchOption(value: string | null | undefined): { ifMatch?: string } {
  if (value === undefined || value === null) return {};
  const header = ifMatchHeader(value);
  if (header === undefined) throw new GatewayError('BAD_USER_INPUT', 'ifMatch must be a version id (meta.versionId) or its ETag, such as W/"3"');
  return { ifMatch: header };
}

function ifNoneExistOption(value: string | null | undefined, maxLength: number): { ifNoneExist?: string } {
  if (value === undefined || value === null) return {};
  const header = ifNoneExistHeader(value, maxLength);
  if (header === undefined) throw new GatewayError('BAD_USER_INPUT', 'ifNoneExist must be the query of a search, such as "identifier=http://sys|123"');
  return { ifNoneExist: header };
}

/**
 * The write's deadline: the request's timeout from now (mutations run one after the other), within which the
 * source's own timeout applies. The client's abort signal is deliberately not passed: a write that has been sent
 * is seen through, so that the gateway knows its outcome even if the client has gone.
 */
function writeDeadline(ctx: FhirContext): { deadline: number } {
  return { deadline: Date.now() + ctx.limits.requestTimeoutMs };
}

/**
 * After a write, nothing later in the same operation may see the old state: the written resource replaces any
 * cached read of it, and cached searches (which may or may not have matched it) are dropped.
 */
function remember(ctx: FhirContext, source: Source, resource: FhirResource): void {
  const key = resourceKey(source.id, resource.resourceType, String(resource.id));
  forget(ctx, key);
  ctx.loaders.resource.prime(key, resource);
}

function forget(ctx: FhirContext, key: string): void {
  ctx.loaders.resource.clear(key);
  ctx.loaders.search.clearAll();
  ctx.loaders.reverse.clearAll();
  ctx.loaders.sameAs.clearAll();
}
