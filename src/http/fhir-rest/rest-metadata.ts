import { readFileSync } from 'node:fs';
import type { DeclaredResource, DeclaredSearchParam } from '../../sources/capabilities.ts';
import type { Source } from '../../sources/source-registry.ts';
import type { RestCall } from './rest-call.ts';
import { fhirResponse } from './rest-response.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const STARTED = new Date().toISOString();
/** What the shim does per type; a type declares those its sources declare too. */
const TYPE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const GRAPHQL = { name: 'graphql', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-graphql' };

/**
 * `GET [base]/metadata`: the gateway's CapabilityStatement, the union of what its sources declare (or, under
 * `[base]/{sourceId}/metadata`, of that one source): per resource type the interactions the shim can forward that
 * some source declares, the search parameters and includes of all of them, and `$graphql` at system and instance level.
 */
export async function metadata(call: RestCall): Promise<Response> {
  const sources = call.sourceId !== undefined ? [call.ctx.sources.get(call.sourceId)!] : [...call.ctx.sources.all()];
  const types = new Map<string, DeclaredResource[]>();
  /** What the defaultWriteSource declares per type it serves (creates naming no source go there). */
  const defaults = new Map<string, DeclaredResource>();
  for (const source of sources) {
    for (const type of servedTypes(source)) {
      const list = types.get(type) ?? [];
      const declared = source.capabilities?.declared.get(type) ?? { interactions: TYPE_INTERACTIONS, searchParams: [], searchInclude: [], searchRevInclude: [] };
      list.push(declared);
      types.set(type, list);
      if (source.id === call.ctx.defaultWriteSource) defaults.set(type, declared);
    }
  }
  const resource = [...types.keys()].sort().map((type) => resourceEntry(type, types.get(type)!, types.get(type)!.length > 1, defaults.get(type)));
  const statement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: STARTED,
    kind: 'instance',
    software: { name: 'fhir-graphql-gateway', version: VERSION },
    implementation: {
      description: `FHIR GraphQL gateway over ${sources.map((s) => `'${s.id}'`).join(', ')}`,
      url: call.sourceId !== undefined ? `${call.base}/${call.sourceId}` : call.base,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Searches fan out to every source serving the type and merge; reads by id that match in several sources are refused ' +
          '(use [base]/{sourceId}/...); writes, batches and transactions go to exactly one source.',
        ...(resource.length > 0 ? { resource } : {}),
        interaction: [{ code: 'batch' }, { code: 'transaction' }],
        operation: [GRAPHQL],
        ...(call.deps.smart !== null ? { security: await smartSecurity(call.deps.smart) } : {}),
      },
    ],
  };
  return fhirResponse(call.fetchAPI, 200, statement);
}

/**
 * `rest.security` of a gateway with SMART authorization: the SMART-on-FHIR service and, as SMART App Launch's
 * oauth-uris extension, the authorization server's endpoints (left out when its metadata cannot be read right now;
 * /.well-known/smart-configuration is the primary discovery document).
 */
async function smartSecurity(smart: () => Promise<Readonly<Record<string, unknown>>>): Promise<object> {
  const issuer = await smart().catch(() => undefined);
  const uris = (['authorize', 'token', 'register', 'manage', 'introspect', 'revoke'] as const).flatMap((url) => {
    const key = { authorize: 'authorization_endpoint', token: 'token_endpoint', register: 'registration_endpoint',
      manage: 'management_endpoint', introspect: 'introspection_endpoint', revoke: 'revocation_endpoint' }[url];
    const value = issuer?.[key];
    return typeof value === 'string' ? [{ url, valueUri: value }] : [];
  });
  return {
    cors: true,
    service: [{
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
      text: 'OAuth2 bearer tokens of the SMART App Launch profile (see /.well-known/smart-configuration)',
    }],
    ...(uris.length > 0 ? { extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: uris }] } : {}),
  };
}

function servedTypes(source: Source): Iterable<string> {
  return source.resourceTypes ?? source.capabilities?.declared.keys() ?? [];
}

/**
 * With several sources serving the type, create and type history need `[base]/{sourceId}`: not declared at `[base]` —
 * except create when the defaultWriteSource serves the type and declares it (a create naming no source goes there).
 */
function resourceEntry(type: string, declared: readonly DeclaredResource[], shared: boolean, byDefault: DeclaredResource | undefined): object {
  const interactions = new Set(declared.flatMap((d) => d.interactions));
  if (shared) {
    interactions.delete('history-type');
    if (!byDefault?.interactions.includes('create')) interactions.delete('create');
  }
  const params = new Map<string, DeclaredSearchParam>();
  for (const d of declared) for (const p of d.searchParams) if (!params.has(p.name)) params.set(p.name, p);
  const includes = [...new Set(declared.flatMap((d) => d.searchInclude))];
  const revIncludes = [...new Set(declared.flatMap((d) => d.searchRevInclude))];
  return {
    type,
    interaction: TYPE_INTERACTIONS.filter((i) => interactions.has(i)).map((code) => ({ code })),
    readHistory: interactions.has('vread'),
    ...(includes.length > 0 ? { searchInclude: includes } : {}),
    ...(revIncludes.length > 0 ? { searchRevInclude: revIncludes } : {}),
    ...(params.size > 0 ? { searchParam: [...params.values()].map((p) => ({ name: p.name, type: p.type, ...(p.definition ? { definition: p.definition } : {}) })) } : {}),
    operation: [GRAPHQL],
  };
}
