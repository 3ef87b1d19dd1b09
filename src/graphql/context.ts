import type { GraphQLError } from 'graphql';
import type { LimitsConfig } from '../config/config.types.ts';
import type { SearchParamIndex } from './fhir-model/load-model.ts';
import type { Loaders } from '../loaders/create-loaders.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';

/** Who is asking. Anonymous until SMART on FHIR lands; every loader and source call receives it. */
export interface Viewer {
  readonly kind: 'anonymous';
}

/** A non-fatal note for the client, returned in `extensions.warnings` of the response. */
export interface GatewayWarning {
  readonly code: string;
  readonly message: string;
  readonly path?: readonly (string | number)[];
}

export interface GatewayContext {
  readonly requestId: string;
  readonly viewer: Viewer;
  readonly loaders: Loaders;
  readonly sources: SourceRegistry;
  readonly limits: LimitsConfig;
  readonly warnings: GatewayWarning[];
  /** Failures of single sources while the field still answered with the others' data (added to `errors`). */
  readonly partialErrors: GraphQLError[];
  /** R4 search parameters by type and code (sort keys, reference paths). */
  readonly searchParams: SearchParamIndex;
  /** Identifier systems that identify one person across sources (Patient.sameAs). */
  readonly patientIdentifierSystems: readonly string[];
  /** Where writes that name no source go when several sources serve the type and this one does (config). */
  readonly defaultWriteSource: string | null;
}
