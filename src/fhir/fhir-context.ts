import type { LimitsConfig } from '../config/config.types.ts';
import type { AccessTrail } from './access-trail.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Loaders } from '../loaders/create-loaders.ts';
import type { CallOptions } from '../sources/fhir-client.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import type { ChangeFeed } from './change-event.ts';
import type { CompartmentModel } from './compartment.ts';
import type { CursorCodec } from './cursors.ts';
import type { SearchParamIndex } from './model/load-model.ts';
import type { Viewer } from './viewer.ts';

/**
 * Where in a response a result goes: a linked list from the leaf to the root. GraphQL's `info.path` has exactly this
 * shape, so a resolver passes it as it is (nothing is computed unless a warning or partial failure needs the path);
 * the REST API passes undefined (the answer's root).
 */
export interface ResultPath {
  readonly prev: ResultPath | undefined;
  readonly key: string | number;
}

/** A non-fatal note for the client (GraphQL: `extensions.warnings`; REST: an OperationOutcome entry). */
export interface FhirWarning {
  readonly code: string;
  readonly message: string;
  readonly path?: readonly (string | number)[];
}

/** One source failed while the result was still produced from the others. */
export interface PartialFailure {
  readonly error: GatewayError;
  readonly path: readonly (string | number)[];
}

/**
 * What every operation of the FHIR core gets: the request's identity and viewer, its per-request loaders, the sources
 * and limits, and the lists that collect warnings and partial failures. Built once per request by every entry point in
 * the same way (src/http/request-context.ts); no transport objects in it.
 */
export interface FhirContext {
  readonly requestId: string;
  readonly viewer: Viewer;
  readonly loaders: Loaders;
  readonly sources: SourceRegistry;
  readonly limits: LimitsConfig;
  /** R4 search parameters by type and code (sort keys, reference paths). */
  readonly searchParams: SearchParamIndex;
  /** Identifier systems that identify one person across sources (Patient.sameAs). */
  readonly patientIdentifierSystems: readonly string[];
  /** Where writes that name no source go when several sources serve the type and this one does (config). */
  readonly defaultWriteSource: string | null;
  /** R4's Patient compartment (what a patient-context token may see). */
  readonly compartment: CompartmentModel;
  /** Signs and checks paging cursors. */
  readonly cursors: CursorCodec;
  /** Deadline and abort signal for upstream calls made outside the loaders (REST passthrough). */
  readonly call: CallOptions;
  readonly warnings: FhirWarning[];
  readonly partialFailures: PartialFailure[];
  /** What the request read, wrote and was refused, for the audit trail (access-trail.ts). */
  readonly trail: AccessTrail;
  /** The durable change feed (subscriptions read it, writes record into it); undefined when the gateway has none. */
  readonly changes: ChangeFeed | undefined;
  /**
   * Starts a new unit of work on a long-lived context — the next event of a subscription: fresh loaders (nothing
   * cached from the previous event) under a fresh deadline, empty warning and partial-failure lists. With `unit` (the
   * event) and an `authorization` key, the loaders are shared by every context renewed for the same unit with the same
   * key: the subscribers of one event who are allowed the same see it through one set of upstream reads.
   */
  renew(unit?: object, authorization?: string): void;
}

/** The path as an array (`['PatientList', 0, 'name']`); `[]` for the root. */
export function pathOf(at: ResultPath | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p = at; p; p = p.prev) out.unshift(p.key);
  return out;
}

export function warn(ctx: FhirContext, at: ResultPath | undefined, code: string, message: string): void {
  ctx.warnings.push({ code, message, path: pathOf(at) });
}

/**
 * A warning said once per request: the same code and message again (the same search under each of 20 parents, say)
 * adds nothing; the path is the first one's.
 */
export function warnOnce(ctx: FhirContext, at: ResultPath | undefined, code: string, message: string): void {
  if (!ctx.warnings.some((w) => w.code === code && w.message === message)) warn(ctx, at, code, message);
}

/**
 * Records the failure of one source while the result still answers with the other sources' data. An error that is not
 * a GatewayError is a bug: it becomes an INTERNAL_SERVER_ERROR naming the source, with the original kept as its cause
 * for the server log (the edges log causes of internal errors with the request id).
 */
export function reportPartialFailure(ctx: FhirContext, at: ResultPath | undefined, error: unknown, sourceId: string): void {
  const failure = error instanceof GatewayError
    ? error
    : new GatewayError('INTERNAL_SERVER_ERROR', `Source '${sourceId}' failed unexpectedly`, { sourceId, cause: error });
  ctx.partialFailures.push({ error: failure.sourceId === undefined ? withSource(failure, sourceId) : failure, path: pathOf(at) });
}

function withSource(error: GatewayError, sourceId: string): GatewayError {
  return new GatewayError(error.code, error.message, {
    sourceId,
    ...(error.upstreamStatus !== undefined ? { upstreamStatus: error.upstreamStatus } : {}),
    ...(error.upstreamOutcome !== undefined ? { outcome: error.upstreamOutcome } : {}),
    details: error.details,
    ...(error.statusOverride !== undefined ? { status: error.statusOverride } : {}),
  });
}
