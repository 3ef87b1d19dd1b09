// Catastrophic regexes (finding 4): `name(fhirpath: "'aaa...!'.matches('^(a+)+$')")` blocked the event loop for 40 s.
// Now FHIRPath runs in a worker thread with a time budget (limits.fhirpathTimeoutMs, default 1 s): the request fails
// with FHIRPATH_TIMEOUT, HTTP 422, data dropped, and the gateway keeps answering meanwhile (/health measured while the
// hostile request runs, against a baseline).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { expectGraphQLError, healthLatencies, jsonOf, median, postJson } from './hostile-helpers.ts';

// 30 a's then a mismatch: 2^30 backtracking steps for V8's regex engine (40 s on the benchmark machine)
const EVIL = `'${'a'.repeat(30)}!'.matches('^(a+)+$')`;
const EVIL_GQL = JSON.stringify(EVIL);

/** The hostile expression at every place a client can put FHIRPath. */
const ATTACKS: Array<{ label: string; path: string; query: string }> = [
  { label: 'repeating element', path: '/graphql', query: `{ Patient(id: "pat-0001") { name(fhirpath: ${EVIL_GQL}) { family } } }` },
  { label: 'root list', path: '/graphql', query: `{ PatientList(_count: 3, fhirpath: ${EVIL_GQL}) { id } }` },
  { label: 'reverse reference', path: '/graphql', query: `{ Patient(id: "pat-0001") { ObservationList(_reference: subject, _count: 5, fhirpath: ${EVIL_GQL}) { id } } }` },
  { label: '@slice path', path: '/graphql', query: `{ Patient(id: "pat-0001") { name @slice(path: ${EVIL_GQL}) { family } } }` },
  { label: 'system $graphql', path: '/fhir/$graphql', query: `{ Patient(id: "pat-0001") { name(fhirpath: ${EVIL_GQL}) { family } } }` },
  { label: 'instance $graphql', path: '/fhir/Patient/pat-0001/$graphql', query: `{ id name(fhirpath: ${EVIL_GQL}) { family } }` },
];

describe('catastrophic regular expressions in FHIRPath (production)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ env: { NODE_ENV: 'production' } });
    // warm the FHIRPath worker and the routes, so the baseline is not a cold start
    await f.gql('{ Patient(id: "pat-0001") { name(fhirpath: "family.exists()") { family } } }');
    await healthLatencies(f, 5);
  });
  afterAll(() => f?.stop());

  for (const { label, path, query } of ATTACKS) {
    it(`${label}: 422 FHIRPATH_TIMEOUT with no data, while /health answers as fast as before`, async () => {
      const baseline = median(await healthLatencies(f, 15));
      const started = performance.now();
      let done = false;
      const hostile = jsonOf(postJson(f, path, { query })).finally(() => {
        done = true;
      });
      // /health while the hostile request runs, a bounded number of times
      const during: number[] = [];
      for (let i = 0; i < 200 && !done; i++) {
        during.push(...(await healthLatencies(f, 1)));
        await new Promise((r) => setTimeout(r, 5));
      }
      const { status, body } = await hostile;
      const elapsed = performance.now() - started;

      expect(status).toBe(422);
      const error = expectGraphQLError(body, 'FHIRPATH_TIMEOUT', 'too-costly');
      expect(body).not.toHaveProperty('data');
      expect(error.message.length).toBeLessThan(300); // the expression is quoted, never at length
      // stopped at its budget (1 s), not after the regex ran to its end (40 s); generous for a noisy 2-core machine
      expect(elapsed).toBeLessThan(10_000);
      // the event loop stayed free: /health was asked many times during the hostile second, each about as fast as before
      expect(during.length).toBeGreaterThanOrEqual(5);
      expect(median(during)).toBeLessThan(Math.max(25, 10 * baseline));
      expect(Math.max(...during)).toBeLessThan(Math.max(250, 50 * baseline));
    });
  }

  it('FHIRPath works again right after a timeout (a fresh worker), and a cheap regex is fine', async () => {
    const ok = await f.gql<{ Patient: { name: Array<{ family: string }> } }>(
      `{ Patient(id: "pat-0001") { name(fhirpath: "family.matches('^[A-Z]')") { family } } }`,
    );
    expect(ok.status).toBe(200);
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.Patient.name.length).toBeGreaterThan(0);
  });

  it('four hostile requests at once: all 422, the gateway keeps answering, and FHIRPath recovers', async () => {
    const query = ATTACKS[0]!.query;
    const hostile = Promise.all(Array.from({ length: 4 }, () => jsonOf(postJson(f, '/graphql', { query }))));
    const during = await healthLatencies(f, 10);
    const answers = await hostile;
    for (const { status, body } of answers) {
      expect(status).toBe(422);
      expectGraphQLError(body, 'FHIRPATH_TIMEOUT');
    }
    expect(median(during)).toBeLessThan(250);
    const ok = await f.gql('{ Patient(id: "pat-0001") { name(fhirpath: "family.exists()") { family } } }');
    expect(ok.errors).toBeUndefined();
  });
});
