// SMART Backend Services wired from the config file to a real source: the gateway gets a token from a loopback
// token endpoint that verifies the signed assertion, and uses it on every request to the protected source only.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../helpers/token-endpoint.ts';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const KEY = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let endpoint: TokenEndpoint;
let f: Fixture;
const headersSeenByOpen: Array<string | undefined> = [];

beforeAll(async () => {
  endpoint = await startTokenEndpoint({ clientId: 'gateway', publicKey: ec.publicKey, algorithm: 'ES384', keyId: 'k1' });
  f = await startFixture({
    sources: {
      secure: {
        patients: 4, seed: 2, idPrefix: 's',
        authorize: (header) => header?.startsWith('Bearer ') === true && endpoint.isValid(header.slice(7)),
      },
      open: {
        patients: 3, seed: 2, idPrefix: 'o',
        authorize: (header) => {
          headersSeenByOpen.push(header);
          return true;
        },
      },
    },
    env: { SECURE_KEY: KEY },
    sourceConfig: {
      secure: { smartBackend: { tokenUrl: endpoint.url, clientId: 'gateway', algorithm: 'ES384', privateKeyEnv: 'SECURE_KEY', keyId: 'k1', scope: 'system/Patient.read' } },
    },
  });
});

afterAll(async () => {
  await f?.stop();
  await endpoint?.close();
});

describe('a source with SMART Backend Services', () => {
  it('is read with a token the endpoint issued for a valid assertion; one token serves many requests', async () => {
    const res = await f.gql<{ PatientList: Array<{ id: string; sourceId: string }> }>('{ PatientList(_count: 10) { id sourceId } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.PatientList.filter((p) => p.sourceId === 'secure')).toHaveLength(4);
    expect(res.data!.PatientList.filter((p) => p.sourceId === 'open')).toHaveLength(3);
    await f.gql('{ Patient(id: "s-pat-0001") { id } }');
    expect(endpoint.tokenRequests).toBe(1);
    expect(endpoint.rejected).toEqual([]);
    const { header, payload } = endpoint.accepted[0]!;
    expect(header).toMatchObject({ alg: 'ES384', kid: 'k1' });
    expect(payload).toMatchObject({ iss: 'gateway', sub: 'gateway', aud: endpoint.url });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
  });

  it('never sends that token to another source', () => {
    expect(headersSeenByOpen.length).toBeGreaterThan(0);
    expect(headersSeenByOpen.every((h) => h === undefined)).toBe(true);
  });

  it('a refused token request is a partial error naming the source; the other source still answers', async () => {
    endpoint.failWith = { status: 400, error: 'invalid_client' };
    for (const t of endpoint.issued) endpoint.revoke(t);
    try {
      const res = await f.gql<{ PatientList: Array<{ sourceId: string }> }>('{ PatientList(_count: 10) { sourceId } }');
      expect(res.data!.PatientList.map((p) => p.sourceId)).toEqual(['open', 'open', 'open']);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: 'secure' });
      expect(JSON.stringify(res)).not.toContain(KEY.slice(40, 80));
    } finally {
      endpoint.failWith = undefined;
    }
  });
});
