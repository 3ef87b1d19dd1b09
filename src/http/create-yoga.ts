import { createYoga, type Plugin, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config.types.ts';
import type { CursorCodec } from '../fhir/cursors.ts';
import type { FhirContext } from '../fhir/fhir-context.ts';
import type { SearchParamIndex, TopLevelElements } from '../fhir/model/load-model.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import { useFhirGraphqlRoute } from './fhir-graphql-route.ts';
import type { FhirRestDeps } from './fhir-rest/rest-call.ts';
import { useFhirRest } from './fhir-rest/rest-route.ts';
import { createRequestContext } from './request-context.ts';
import { publicRootOf } from './request-meta.ts';
import { useAccessLog } from './use-access-log.ts';
import { useCors } from './use-cors.ts';
import { useBodyLimit } from './use-body-limit.ts';
import { useCsrfPrevention } from './use-csrf-prevention.ts';
import { useDefaultMediaType } from './use-default-media-type.ts';
import { createDocumentCache } from './document-cache.ts';
import { useDocumentLimits } from './use-document-limits.ts';
import { useHealth } from './use-health.ts';
import { useHooks, type HookReceiver } from './use-hooks.ts';
import { maskError, useErrorMasking, withoutMaskedErrorLogs } from './use-error-masking.ts';
import { useFhirDirectives } from './use-fhir-directives.ts';
import { useFhirGraphql } from './use-fhir-graphql.ts';
import { useFieldErrorStatus } from './use-field-error-status.ts';
import { useJsonLimits } from './use-json-limits.ts';
import { useOperationOutcomes } from './use-operation-outcomes.ts';
import { useStreamedResults } from './use-streamed-results.ts';
import { usePartialErrors } from './use-partial-errors.ts';
import { usePublicRoot } from './use-public-root.ts';
import { useQueryLimits } from './use-query-limits.ts';
import { useRequestId } from './use-request-id.ts';
import { useSecurityHeaders } from './use-security-headers.ts';
import { useWarnings } from './use-warnings.ts';
import { exampleQuery } from './example-query.ts';
import { useGraphiql } from './use-graphiql.ts';
import { useUnknownPaths } from './use-unknown-paths.ts';
import { useAuth } from './use-auth.ts';
import { useAudit } from './use-audit.ts';
import { useAuditEvents } from './use-audit-events.ts';
import { useGraphqlSse } from './use-graphql-sse.ts';
import { useTokenExpiry } from './use-token-expiry.ts';
import type { Db } from '../db/database.ts';
import type { AuditWriter } from '../audit/audit-writer.ts';
import type { ChangeFeed } from '../fhir/change-event.ts';
import type { CompartmentModel, CompartmentPaths } from '../fhir/compartment.ts';
import { useSmartConfiguration } from './use-smart-configuration.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { IssuerMetadataSource } from '../auth/issuer-metadata.ts';

export interface PipelineDeps {
  readonly schema: GraphQLSchema;
  readonly config: Config;
  readonly sources: SourceRegistry;
  readonly searchParams: SearchParamIndex;
  readonly cursors: CursorCodec;
  /** R4's Patient compartment: what a patient-context token may see. */
  readonly compartment: CompartmentModel;
  /** The durable change feed of live updates (src/events). */
  readonly changes?: ChangeFeed;
  readonly logger: YogaLogger;
  /** True once every source was asked for its /metadata and one answered; else why not. */
  readonly isReady: () => boolean;
  readonly notReadyReason: () => string;
  readonly isResourceType: (name: string) => boolean;
  /** Summary and mandatory top-level elements of a resource type (REST `_summary` / `_elements`). */
  readonly topLevel: (resourceType: string) => TopLevelElements | undefined;
  /** SMART on FHIR token validation and the issuer's metadata; null when config.auth is null (the gateway runs open). */
  readonly auth: { readonly verifier: TokenVerifier; readonly metadata: IssuerMetadataSource } | null;
  /** The audit trail: every answered request to patient data becomes its events (use-audit.ts). */
  readonly audit: { readonly db: Promise<Db>; readonly writer: AuditWriter; readonly durability: 'batched' | 'strict'; readonly paths: CompartmentPaths };
  /** Public routes served before authentication: the development issuer of `--demo-auth` (src/demo/demo-auth.ts). */
  readonly publicRoutes?: readonly Plugin[];
  /** Change capture: the rest-hook notifications of upstream sources at /hooks/{sourceId} (src/events). */
  readonly hooks?: HookReceiver;
}

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, FhirContext>;

/** Where the FHIR endpoints ($graphql and the REST API) live. */
export const FHIR_BASE_PATH = '/fhir';
export const GRAPHQL_ENDPOINT = '/graphql';
/** The GraphQL over SSE protocol (graphql-sse, use-graphql-sse.ts); yoga's own SSE is /graphql with `Accept: text/event-stream`. */
export const GRAPHQL_SSE_ENDPOINT = '/graphql/stream';

/**
 * THE request pipeline: every route of the gateway is this one yoga instance (a whatwg-node server: Request in,
 * Response out) — GraphQL at /graphql (and GraphiQL), the FHIR `$graphql` endpoints, the whole FHIR REST API under
 * /fhir, /health and /ready — and the WebSocket transport will run through its envelop (getEnveloped). Cross-cutting
 * concerns are plugins, each applying to every route: request id, access log, security headers, CORS, the public
 * root URL; then the routes; then the GraphQL-only plugins (CSRF, JSON and document limits, query limits, directives,
 * outcomes, warnings, partial results, status codes, error masking).
 */
export function createGatewayYoga(deps: PipelineDeps): GatewayYoga {
  const { config, logger } = deps;
  const log = (message: string) => logger.error(message);
  const contextOf = (request: Request) => createRequestContext(deps, request);
  const rest: FhirRestDeps = {
    basePath: FHIR_BASE_PATH,
    isResourceType: deps.isResourceType,
    isSource: (id) => deps.sources.get(id) !== undefined,
    topLevel: deps.topLevel,
    maxJsonDepth: config.limits.maxJsonDepth,
    publicRoot: publicRootOf,
    context: contextOf,
    smart: deps.auth?.metadata ?? null,
  };
  return createYoga<Record<string, unknown>, FhirContext>({
    schema: deps.schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    // yoga's own health check answers every URL that ends with its path; use-health.ts matches exactly. A path no URL
    // can end with (a raw NUL) switches yoga's off.
    healthCheckEndpoint: '/\u0000',
    landingPage: false,
    logging: withoutMaskedErrorLogs(logger),
    maskedErrors: { maskError, isDev: false },
    cors: false,
    multipart: false,
    maxRequestBodySize: false, // use-body-limit.ts bounds every route's body
    // bounded in bytes as well as entries: yoga's default (1,024 documents of any size) let ~20 KB documents of 10,000
    // tokens, ~4 MB of AST each, fill the heap
    parserAndValidationCache: createDocumentCache(),
    graphiql: false, // served offline by useGraphiql
    context: ({ request }) => contextOf(request),
    plugins: [
      useRequestId(),
      useAccessLog(logger, config.logLevel === 'debug'),
      useSecurityHeaders(),
      useCors(config.cors),
      usePublicRoot({ publicBaseUrl: config.publicBaseUrl, trustedProxies: config.trustedProxies }),
      useBodyLimit(config.limits.maxBodyBytes),
      useAudit({ ...deps.audit, graphqlEndpoint: GRAPHQL_ENDPOINT, fhirBasePath: FHIR_BASE_PATH, log }),
      ...(deps.publicRoutes ?? []),
      useSmartConfiguration({ auth: config.auth, metadata: deps.auth?.metadata ?? null, fhirBasePath: FHIR_BASE_PATH, log }),
      ...(config.auth !== null && deps.auth !== null
        ? [useAuth({ auth: config.auth, verifier: deps.auth.verifier, graphqlEndpoint: GRAPHQL_ENDPOINT, fhirBasePath: FHIR_BASE_PATH, log })]
        : []),
      useFhirGraphqlRoute({
        basePath: FHIR_BASE_PATH,
        isResourceType: deps.isResourceType,
        isSource: rest.isSource,
        log,
      }),
      useHealth({ isReady: deps.isReady, notReadyReason: deps.notReadyReason }),
      ...(deps.hooks ? [useHooks({ receiver: deps.hooks, maxJsonDepth: config.limits.maxJsonDepth, log })] : []),
      useGraphiql({ enabled: config.graphiql && config.introspection, title: 'FHIR GraphQL gateway', defaultQuery: exampleQuery }),
      useAuditEvents({ db: deps.audit.db, fhirBasePath: FHIR_BASE_PATH, log, maxCount: config.limits.maxCount, contextOf }), // before the REST route
      useFhirRest(rest, log),
      useGraphqlSse({ endpoint: GRAPHQL_SSE_ENDPOINT, maxJsonDepth: config.limits.maxJsonDepth, logger }),
      useUnknownPaths({ graphqlEndpoint: GRAPHQL_ENDPOINT, fhirBasePath: FHIR_BASE_PATH, log }), // after every route
      useCsrfPrevention(),
      useDefaultMediaType(),
      useJsonLimits(config.limits.maxJsonDepth),
      useDocumentLimits(config.limits),
      useQueryLimits(config.limits, { introspection: config.introspection }),
      useTokenExpiry(), // a subscription ends when its token expires, on every transport
      useErrorMasking(logger), // before the outcomes: it logs what masked errors hid, then outcomes are added
      useFhirDirectives(), useOperationOutcomes(), // directives before the plugins that add to results (see its doc)
      useStreamedResults(logger), // a subscription's results as /graphql's: a failed stream's last error, yoga SSE's outcomes
      useWarnings(),
      usePartialErrors(log),
      useFieldErrorStatus(),
      useFhirGraphql(config.limits),
    ],
  });
}
