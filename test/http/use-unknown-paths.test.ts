// Paths no route serves answer 404 with an OperationOutcome that names the endpoints, through the one pipeline (request
// id, security headers); /health and /ready always answer with a JSON body that says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startGateway } from '../helpers/gateway.ts';

interface Outcome {
  resourceType: string;
  issue: Array<{ severity: string; code: string; diagnostics: string }>;
}

let f: Fixture;
beforeAll(async () => {
  f = await startFixture({ sources: { demo: { patients: 2 } } });
});
afterAll(() => f.stop());

describe('unknown paths', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/no/such/path?x=1'],
    ['POST', '/graphq'],
    ['POST', '/api/graphql'], // yoga took any path ending with /graphql for the endpoint
    ['GET', '/graphiql/no-such-build/graphiql.js'],
    ['DELETE', '/healthz'],
  ])('%s %s is 404 with an OperationOutcome naming the endpoints', async (method, path) => {
    const res = await f.fetch(path, {
      method,
      headers: { 'x-request-id': 'unknown-path-1', 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: '{"query":"{ __typename }"}' } : {}),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.headers.get('x-request-id')).toBe('unknown-path-1');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const outcome = (await res.json()) as Outcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue).toHaveLength(1);
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'not-found' });
    const text = outcome.issue[0]!.diagnostics;
    expect(text).toContain(`Nothing is served at ${path.split('?')[0]}`);
    for (const endpoint of ['/graphql', '/fhir', '/fhir/$graphql', '/health', '/ready']) expect(text).toContain(endpoint);
    expect(text).toContain('[NOT_FOUND]');
  });

  it('leaves the GraphQL endpoint, GraphiQL, the FHIR API and the probes as they were', async () => {
    expect((await f.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
    const slash = await f.fetch('/graphql/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(await slash.json()).toEqual({ data: { __typename: 'Query' } });
    const page = await f.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    await page.body?.cancel();
    expect((await f.fetch('/fhir/Patient')).status).toBe(200);
    const unknownType = await f.fetch('/fhir/NoSuchType');
    expect(unknownType.status).toBe(404);
    expect(((await unknownType.json()) as Outcome).issue[0]!.diagnostics).not.toContain('Nothing is served');
    expect(await (await f.fetch('/health')).json()).toEqual({ status: 'pass' });
  });

  it('/health and /ready answer another method with 405, Allow and a JSON body', async () => {
    for (const path of ['/health', '/ready']) {
      const res = await f.fetch(path, { method: 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await res.json()).toEqual({ status: 'fail', output: `${path} answers GET and HEAD only` });
    }
  });

  it('/ready says which source it waits for', async () => {
    const gateway = await startGateway({ down: 'http://127.0.0.1:9/fhir' }, { waitReady: false });
    try {
      await gateway.app.whenReady().catch(() => undefined);
      const res = await fetch(`${gateway.url}/ready`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/health+json');
      expect(await res.json()).toEqual({ status: 'fail', output: "no source answered /metadata yet ('down'); retrying" });
    } finally {
      await gateway.stop();
    }
  });
});
