import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import {
  AUDIT_DURABILITIES, BOUNDS, DEFAULT_AUDIT, DEFAULT_AUTH, DEFAULT_CAPABILITY_REFRESH_MS, DEFAULT_CIRCUIT_BREAKER, DEFAULT_CORS, DEFAULT_DEMO, DEFAULT_GRAPHIQL, DEFAULT_HOST, DEFAULT_IDENTITY,
  DEFAULT_LIMITS, DEFAULT_LOG_LEVEL, DEFAULT_PORT, DEFAULT_SMART_BACKEND, DEFAULT_SOURCE, DEFAULT_STORAGE, LOG_LEVELS, SMART_ALGORITHMS,
} from '../../src/config/defaults.ts';
import { SOURCE_ID } from '../../src/config/checks.ts';
import { FILE_KEYS } from '../../src/config/validate-file.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schemaText = readFileSync(`${root}schema/gateway-config.schema.json`, 'utf8');

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  enum?: unknown[];
  required?: string[];
  additionalProperties?: unknown;
  [key: string]: unknown;
}

const schema = JSON.parse(schemaText) as SchemaNode & { $defs: Record<string, SchemaNode> };
const defs = schema.$defs;

function resolve(node: SchemaNode): SchemaNode {
  if (node.$ref === undefined) return node;
  const name = node.$ref.replace('#/$defs/', '');
  const target = defs[name];
  if (target === undefined) throw new Error(`unresolved ${node.$ref}`);
  return target;
}

const top = (): Record<string, SchemaNode> => schema.properties ?? {};

function propertiesOf(node: SchemaNode): Record<string, SchemaNode> {
  return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, v]) => [k, resolve(v)]));
}

describe('schema/gateway-config.schema.json', () => {
  it('is JSON Schema draft 2020-12 describing an object without extra keys', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    for (const def of Object.values(defs)) {
      if (def.type === 'object' && def.properties !== undefined) expect(def.additionalProperties).toBe(false);
    }
  });

  it('describes every property', () => {
    const missing: string[] = [];
    const visit = (node: SchemaNode, path: string): void => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const target = resolve(child);
        if (typeof target.description !== 'string' || target.description.length < 10) missing.push(`${path}.${key}`);
        if (child.$ref === undefined) visit(child, `${path}.${key}`);
      }
    };
    visit(schema, '');
    for (const [name, def] of Object.entries(defs)) visit(def, `$defs.${name}`);
    expect(missing).toEqual([]);
  });

  it('lists exactly the keys loadConfig accepts', () => {
    expect(Object.keys(propertiesOf(schema)).sort()).toEqual([...FILE_KEYS.top].sort());
    expect(Object.keys(propertiesOf(defs.demo ?? {})).sort()).toEqual([...FILE_KEYS.demo].sort());
    expect(Object.keys(propertiesOf(defs.limits ?? {})).sort()).toEqual([...FILE_KEYS.limits].sort());
    expect(Object.keys(propertiesOf(defs.source ?? {})).sort()).toEqual([...FILE_KEYS.source].sort());
    expect(Object.keys(propertiesOf(defs.identity ?? {})).sort()).toEqual([...FILE_KEYS.identity].sort());
    expect(Object.keys(propertiesOf(defs.circuitBreaker ?? {})).sort()).toEqual([...FILE_KEYS.circuitBreaker].sort());
    expect(Object.keys(propertiesOf(defs.cors ?? {})).sort()).toEqual([...FILE_KEYS.cors].sort());
    expect(Object.keys(propertiesOf(defs.smartBackend ?? {})).sort()).toEqual([...FILE_KEYS.smartBackend].sort());
    expect(Object.keys(propertiesOf(defs.auth ?? {})).sort()).toEqual([...FILE_KEYS.auth].sort());
    expect(Object.keys(propertiesOf(defs.introspection ?? {})).sort()).toEqual([...FILE_KEYS.introspection].sort());
    expect(Object.keys(propertiesOf(defs.storage ?? {})).sort()).toEqual([...FILE_KEYS.storage].sort());
    expect(Object.keys(propertiesOf(defs.audit ?? {})).sort()).toEqual([...FILE_KEYS.audit].sort());
    expect(top().auth?.$ref).toBe('#/$defs/auth');
    expect(top().storage?.$ref).toBe('#/$defs/storage');
    expect(top().audit?.$ref).toBe('#/$defs/audit');
    expect(defs.source?.required).toEqual(['id', 'baseUrl']);
    // the issuer may come from GATEWAY_AUTH_ISSUER / --auth-issuer instead
    expect(defs.auth?.required).toBeUndefined();
    expect(defs.introspection?.required).toEqual(['endpoint', 'clientId', 'clientSecretEnv']);
    expect(defs.smartBackend?.required).toEqual(['clientId']);
  });

  it('has the same ranges and defaults as the code', () => {
    const top = propertiesOf(schema);
    const check = (node: SchemaNode | undefined, range: { min: number; max: number }, fallback: unknown): void => {
      expect({ min: node?.minimum, max: node?.maximum, default: node?.default }).toEqual({ ...range, default: fallback });
    };
    check(top.port, BOUNDS.port, DEFAULT_PORT);
    expect(top.host?.default).toBe(DEFAULT_HOST);
    expect(top.graphiql?.default).toBe(DEFAULT_GRAPHIQL);
    expect(top.logLevel?.default).toBe(DEFAULT_LOG_LEVEL);
    expect(top.logLevel?.enum).toEqual(LOG_LEVELS);
    const demo = propertiesOf(defs.demo ?? {});
    for (const key of Object.keys(BOUNDS.demo) as (keyof typeof BOUNDS.demo)[]) check(demo[key], BOUNDS.demo[key], DEFAULT_DEMO[key]);
    expect(demo.changes?.type).toBe('boolean');
    expect(demo.changes?.default).toBe(DEFAULT_DEMO.changes);
    const limits = propertiesOf(defs.limits ?? {});
    for (const key of FILE_KEYS.limits) check(limits[key], BOUNDS.limits[key], DEFAULT_LIMITS[key]);
    const source = propertiesOf(defs.source ?? {});
    for (const key of Object.keys(BOUNDS.source) as (keyof typeof BOUNDS.source)[]) {
      check(source[key], BOUNDS.source[key], DEFAULT_SOURCE[key]);
    }
    check(top.capabilityRefreshMs, BOUNDS.capabilityRefreshMs, DEFAULT_CAPABILITY_REFRESH_MS);
    expect(top.defaultWriteSource?.pattern).toBe(SOURCE_ID.source);
    expect(top.defaultWriteSource?.default).toBeUndefined();
    const breaker = propertiesOf(defs.circuitBreaker ?? {});
    for (const key of FILE_KEYS.circuitBreaker) check(breaker[key], BOUNDS.circuitBreaker[key], DEFAULT_CIRCUIT_BREAKER[key]);
    const smart = propertiesOf(defs.smartBackend ?? {});
    expect(smart.scope?.default).toBe(DEFAULT_SMART_BACKEND.scope);
    expect(smart.algorithm?.default).toBe(DEFAULT_SMART_BACKEND.algorithm);
    expect(smart.algorithm?.enum).toEqual(SMART_ALGORITHMS);
    expect(propertiesOf(defs.identity ?? {}).patientIdentifierSystems?.default).toEqual(DEFAULT_IDENTITY.patientIdentifierSystems);
    const cors = propertiesOf(defs.cors ?? {});
    check(cors.maxAgeS, BOUNDS.cors.maxAgeS, DEFAULT_CORS.maxAgeS);
    expect(cors.credentials?.default).toBe(DEFAULT_CORS.credentials);
    expect(cors.origins?.default).toEqual(DEFAULT_CORS.origins);
    expect(top.trustedProxies?.default).toEqual([]);
    // the default depends on NODE_ENV and the sources: described, not given
    expect(top.introspection?.type).toBe('boolean');
    expect(top.introspection?.default).toBeUndefined();
    expect(top.publicBaseUrl?.pattern).toBe(propertiesOf(defs.source ?? {}).baseUrl?.pattern);
    expect(top.cursorSecretEnv?.pattern).toBe(propertiesOf(defs.source ?? {}).bearerTokenEnv?.pattern);
    const auth = propertiesOf(defs.auth ?? {});
    check(auth.clockSkewS, BOUNDS.auth.clockSkewS, DEFAULT_AUTH.clockSkewS);
    for (const key of ['issuer', 'audience', 'jwksUri'] as const) expect(auth[key]?.format, key).toBe('uri');
    const introspection = propertiesOf(defs.introspection ?? {});
    expect(introspection.endpoint?.format).toBe('uri');
    expect(introspection.endpoint?.pattern).toBe(auth.jwksUri?.pattern);
    expect(auth.audience?.pattern).toBe(auth.jwksUri?.pattern);
    expect(introspection.clientSecretEnv?.pattern).toBe(propertiesOf(defs.source ?? {}).bearerTokenEnv?.pattern);
    expect(introspection.clientId?.maxLength).toBe(256);
    const storage = propertiesOf(defs.storage ?? {});
    expect(storage.url?.default).toBe(DEFAULT_STORAGE.url);
    expect(storage.url?.type).toBe('string');
    const audit = propertiesOf(defs.audit ?? {});
    expect(audit.durability?.default).toBe(DEFAULT_AUDIT.durability);
    expect(audit.durability?.enum).toEqual(AUDIT_DURABILITIES);
  });

  it('names environment variables only by their names (no pattern pasted into a description)', () => {
    for (const name of ['GATEWAY_AUTH_ISSUER', 'GATEWAY_AUTH_AUDIENCE', 'DATABASE_URL']) expect(schemaText).toContain(name);
    expect(schemaText).not.toMatch(/[A-Z]_\^/);
  });

  it('its storage.url pattern accepts what loadConfig accepts and refuses what it refuses', () => {
    const pattern = new RegExp(String(propertiesOf(defs.storage ?? {}).url?.pattern));
    const accepts = (url: string): boolean => {
      try {
        loadConfig({ argv: ['--database-url', url], env: {} });
        return true;
      } catch (error) {
        if (error instanceof ConfigError) return false;
        throw error;
      }
    };
    const urls = [
      'postgres://gw:pw@db.example:5432/gateway', 'postgresql://localhost/gw?schema=gw_1&sslmode=require', 'POSTGRES://h/db', 'postgres:///gw',
      'sqlite:./.gateway/gateway.db', 'sqlite:/var/lib/gw.db', 'SQLite:gw.db', 'sqlite::memory:', 'file:./gw.db', 'file:///var/lib/gw.db',
      'file://localhost/var/lib/gw.db', 'gw.db', './data/gw.db', '/var/lib/gw.db', ':memory:',
      '', ' gw.db', 'gw.db ', 'gw\u0000.db', 'gw\n.db', 'sqlite:', 'file:', 'sqlite://gw.db', 'sqlite:///gw.db', 'file://host/gw.db',
      'mysql://root@localhost/gw', 'redis://localhost', 'http://db.example/gw', 'c:gw.db',
    ];
    for (const url of urls) expect(pattern.test(url), JSON.stringify(url)).toBe(accepts(url));
    expect(urls.filter(accepts)).toHaveLength(15);
  });

  it('its auth URL patterns accept what loadConfig accepts and refuse what it refuses (https unless loopback)', () => {
    const auth = propertiesOf(defs.auth ?? {});
    const issuerPattern = new RegExp(String(auth.issuer?.pattern));
    const urlPattern = new RegExp(String(auth.audience?.pattern));
    const accepts = (key: 'issuer' | 'audience', url: string): boolean => {
      const argv = key === 'issuer' ? ['--auth-issuer', url] : ['--auth-issuer', 'https://a.example', '--auth-audience', url];
      try {
        loadConfig({ argv, env: {} });
        return true;
      } catch (error) {
        if (error instanceof ConfigError) return false;
        throw error;
      }
    };
    const urls = [
      'https://auth.example.org', 'https://auth.example.org/realms/fhir/', 'HTTPS://Auth.Example.org:8443/x', 'https://a.example/x?tenant=1',
      'http://localhost:8080/realms/x', 'http://LOCALHOST', 'http://127.0.0.1', 'http://127.1.2.3:9000/', 'http://[::1]:8443/x',
      'http://auth.example.org', 'http://10.0.0.1/x', 'http://localhost.example.org', 'http://0.0.0.0', 'https://a.example/#x', 'https://a.example#',
      'https://u:p@a.example', 'ftp://a.example', 'a.example', 'https://a.example/ x', ' https://a.example',
    ];
    for (const url of urls) {
      expect(issuerPattern.test(url), `issuer ${url}`).toBe(accepts('issuer', url));
      expect(urlPattern.test(url), `audience ${url}`).toBe(accepts('audience', url));
    }
    expect(urls.filter((url) => accepts('issuer', url))).toHaveLength(8);
    expect(urls.filter((url) => accepts('audience', url))).toHaveLength(9);
  });

  it('its patterns accept what loadConfig accepts and refuse what it refuses (origins, proxies)', () => {
    const corsDef = defs.cors as SchemaNode & { properties: { origins: { items: { anyOf: SchemaNode[] } } } };
    const originPattern = new RegExp(String(corsDef.properties.origins.items.anyOf[1]?.pattern));
    for (const ok of ['https://app.example.org', 'http://localhost:3000/', 'HTTP://[::1]:8080']) expect(originPattern.test(ok), ok).toBe(true);
    for (const bad of ['null', 'https://*.example.org', 'https://a.example/app', 'https://a.example?x', 'https://u@a.example']) {
      expect(originPattern.test(bad), bad).toBe(false);
    }
    const proxyPattern = new RegExp(String((top().trustedProxies as { items: SchemaNode }).items.pattern));
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']) expect(proxyPattern.test(ok), ok).toBe(true);
    for (const bad of ['proxy.local', 'fe80::1%eth0']) expect(proxyPattern.test(bad), bad).toBe(false);
  });
});

describe('examples/gateway.config.json', () => {
  it('passes loadConfig', () => {
    const ehrKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const config = loadConfig({
      argv: ['--config', 'examples/gateway.config.json'],
      env: { CLINIC_FHIR_TOKEN: 'example-token', EHR_PRIVATE_KEY: ehrKey },
      cwd: root,
      readFile: (path) => readFileSync(path, 'utf8'),
    });
    expect(config.configFile).toBe(`${root}examples/gateway.config.json`);
    expect(config.sources.map((s) => [s.id, s.baseUrl])).toEqual([
      ['hapi', 'https://hapi.fhir.org/baseR4'],
      ['clinic', 'https://fhir.clinic.example.org/r4'],
      ['ehr', 'https://ehr.example.org/fhir/R4'],
    ]);
    expect(config.sources[1]).toMatchObject({
      headers: { 'x-tenant': 'clinic-a' },
      auth: { type: 'bearer', token: 'example-token' },
      resourceTypes: ['Patient', 'Observation', 'Encounter', 'Condition'],
      circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 10_000 },
    });
    expect(config.sources[2]?.auth).toEqual({
      type: 'smart-backend',
      tokenUrl: 'https://auth.ehr.example.org/oauth2/token',
      clientId: 'fhir-graphql-gateway',
      scope: 'system/Patient.rs system/Observation.rs system/Condition.rs system/Encounter.rs',
      algorithm: 'ES384',
      privateKey: ehrKey,
      keyId: 'gateway-2025-1',
    });
    expect(config.sources[2]?.circuitBreaker).toEqual(DEFAULT_CIRCUIT_BREAKER);
    expect(config.identity.patientIdentifierSystems).toEqual(['urn:oid:2.16.840.1.113883.2.4.6.3', 'http://hl7.org/fhir/sid/us-ssn']);
    expect(config.capabilityRefreshMs).toBe(300_000);
  });

  it('points editors at the schema', () => {
    const example = JSON.parse(readFileSync(`${root}examples/gateway.config.json`, 'utf8')) as { $schema?: string };
    expect(example.$schema).toBe('../schema/gateway-config.schema.json');
  });
});
