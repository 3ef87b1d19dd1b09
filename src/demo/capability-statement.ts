// CapabilityStatement for the in-memory FHIR server. Medplum's FhirRouter has no /metadata route
// (GET /metadata is routed as a search of resource type "metadata" and returns an empty Bundle), so
// we build one from the indexed R4 definitions: every concrete resource type, the interactions the
// router implements, and the search parameters Medplum indexed for that type.
import { getResourceTypes, getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { ensureFhirDefinitions } from './fhir-definitions.ts';

/** Medplum-internal parameters that are not part of FHIR R4. */
const MEDPLUM_ONLY = new Set(['_compartment', '_project']);
const TYPE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'] as const;

let restResources: CapabilityStatementRestResource[] | undefined;

function buildRestResources(): CapabilityStatementRestResource[] {
  ensureFhirDefinitions();
  return [...getResourceTypes()]
    .sort()
    .map((type) => ({
      type,
      interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
      versioning: 'versioned',
      readHistory: true,
      updateCreate: true,
      searchParam: Object.entries(getSearchParameters(type) ?? {})
        .filter(([code]) => !MEDPLUM_ONLY.has(code))
        .map(([code, sp]) => ({
          name: code,
          type: sp.type,
          definition: sp.url ?? `http://hl7.org/fhir/SearchParameter/Resource-${code.replace(/^_/, '')}`,
        })),
    }));
}

/** Builds the CapabilityStatement for one server; the per-type part is computed once per process. */
export function buildCapabilityStatement(baseUrl: string, softwareVersion: string): CapabilityStatement {
  restResources ??= buildRestResources();
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    software: { name: 'Medplum MemoryRepository + FhirRouter (demo wrapper)', version: softwareVersion },
    implementation: { description: 'In-memory FHIR R4 server with synthetic demo data', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{
      mode: 'server',
      resource: restResources,
      interaction: [{ code: 'batch' }, { code: 'transaction' }, { code: 'search-system' }],
    }],
  };
}
