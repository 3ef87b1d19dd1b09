import type { FhirContext } from '../fhir/fhir-context.ts';

/**
 * The GraphQL context is the request's FhirContext (src/http/request-context.ts builds it for every route alike);
 * resolvers hand it to the FHIR core and add nothing of their own.
 */
export type GatewayContext = FhirContext;
