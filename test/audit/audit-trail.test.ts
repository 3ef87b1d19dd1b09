// The audit trail end to end, on embedded SQLite and on PostgreSQL: requests over real sockets to a gateway with
// SMART auth; every access to patient data is one event per patient (BALP-shaped rows), every denial an event with
// outcome 8, tokens and GraphQL variables never stored; batched events are on disk after a graceful stop, strict
// events before the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { testBackends } from '../db/helpers.ts';

let issuer: SmartIssuer;
let audience = '';
beforeAll(async () => {
  issuer = await startSmartIssuer(() => audience);
});
afterAll(async () => issuer?.stop());

async function rows(url: string): Promise<AuditEventRow[]> {
  const db: Db = await openDatabase(url);
  try {
    return await db.kysely.selectFrom('audit_event').selectAll().orderBy('recorded_ms').execute();
  } finally {
    await db.close();
  }
}

for (const backend of testBackends('audit_trail')) {
  describe(`audit trail on ${backend.dialect}`, () => {
    let f: Fixture | undefined;
    afterAll(async () => f?.stop());

    async function gateway(durability: 'batched' | 'strict') {
      const url = backend.fresh();
      f = await startFixture({
        sources: { demo: { patients: 3 } },
        argv: ['--auth-issuer', issuer.issuer, '--database-url', url],
        ...(durability === 'strict' ? { config: { audit: { durability: 'strict' } } } : {}),
      });
      audience = `${f.url}/fhir`;
      return { f, url };
    }
    const bearer = async (scope: string, sub = 'dr-who') => ({ authorization: `Bearer ${await issuer.sign({ scope, sub, client_id: 'app-9', fhirUser: 'Practitioner/p9' })}` });

    it('batched: one event per patient for a multi-patient GraphQL query, REST reads, denials and 401s; on disk after a graceful stop', async () => {
      const { f: gw, url } = await gateway('batched');
      const headers = await bearer('user/Patient.rs user/Observation.rs');
      const gql = await gw.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-gql-1', ...headers },
        body: JSON.stringify({ query: 'query Q($n: Int) { PatientList(_count: $n) { id ObservationList(_reference: subject, _count: 2) { id } } }', variables: { n: 3 } }),
      });
      expect(gql.status).toBe(200);
      const sys = await gw.fetch('/fhir/$graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-sys-1', ...headers },
        body: JSON.stringify({ query: '{ PatientList(_count: 2) { id } }' }),
      });
      expect(sys.status).toBe(200);
      const read = await gw.fetch('/fhir/Patient/pat-0002', { headers: { 'x-request-id': 'req-rest-1', ...headers } });
      expect(read.status).toBe(200);
      const denied = await gw.fetch('/fhir/Encounter?subject=Patient/pat-0001', { headers: { 'x-request-id': 'req-denied-1', ...headers } });
      expect(denied.status).toBe(403);
      const anonymous = await gw.fetch('/fhir/Patient', { headers: { 'x-request-id': 'req-401' } });
      expect(anonymous.status).toBe(401);
      await gw.stop(); // flushes the batched trail
      f = undefined;

      const all = await rows(url);
      const gqlRows = all.filter((r) => r.request_id === 'req-gql-1');
      expect(gqlRows.map((r) => r.patient).sort()).toEqual(['Patient/pat-0001', 'Patient/pat-0002', 'Patient/pat-0003']);
      for (const r of gqlRows) {
        expect(r).toMatchObject({ action: 'R', outcome: '0', type_code: 'rest', subtype: 'graphql', agent_sub: 'dr-who', agent_client_id: 'app-9', agent_fhir_user: 'Practitioner/p9', patient_source: 'demo' });
        expect(JSON.parse(r.source_ids)).toEqual(['demo']);
        const entities = (JSON.parse(r.entity!) as Array<{ reference: string }>).map((e) => e.reference);
        expect(entities[0]).toBe(r.patient); // the patient, then their Observations, never another patient's
        for (const e of entities.slice(1)) expect(e).toMatch(/^Observation\//);
        expect(r.network_address).toMatch(/127\.0\.0\.1/);
      }
      expect(all.filter((r) => r.request_id === 'req-sys-1').map((r) => [r.subtype, r.patient])).toEqual([['$graphql', 'Patient/pat-0001'], ['$graphql', 'Patient/pat-0002']]);
      expect(all.filter((r) => r.request_id === 'req-rest-1')).toEqual([
        expect.objectContaining({ subtype: 'read', action: 'R', outcome: '0', patient: 'Patient/pat-0002', entity: JSON.stringify([{ reference: 'Patient/pat-0002' }]) }),
      ]);
      expect(all.filter((r) => r.request_id === 'req-denied-1')).toEqual([
        expect.objectContaining({ subtype: 'search-type', outcome: '8', patient: null, query: 'subject=Patient/pat-0001', agent_sub: 'dr-who' }),
      ]);
      expect(JSON.parse(all.find((r) => r.request_id === 'req-denied-1')!.detail!)).toMatchObject({ code: 'FORBIDDEN', resourceType: 'Encounter' });
      expect(all.filter((r) => r.request_id === 'req-401')).toEqual([expect.objectContaining({ outcome: '8', agent_sub: null, detail: expect.stringContaining('UNAUTHENTICATED') })]);
      const stored = JSON.stringify(all);
      expect(stored).not.toContain(headers.authorization.split('.')[2]); // no token
      expect(stored).not.toContain('"n":3'); // no GraphQL variables
    });

    it('strict: the events are committed before the answer is sent', async () => {
      const { f: gw, url } = await gateway('strict');
      const res = await gw.fetch('/fhir/Patient/pat-0003', { headers: { 'x-request-id': 'req-strict-1', ...(await bearer('user/Patient.read')) } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const committed = (await rows(url)).filter((r) => r.request_id === 'req-strict-1'); // read while the gateway runs
      expect(committed).toEqual([expect.objectContaining({ patient: 'Patient/pat-0003', subtype: 'read' })]);
      // and an auditor reads it back as FHIR, through the same pipeline
      const auditor = await bearer('user/AuditEvent.rs', 'auditor-1');
      const denied = await gw.fetch('/fhir/AuditEvent?patient=Patient/pat-0003', { headers: await bearer('user/*.rs') });
      expect(denied.status).toBe(403);
      const found = (await (await gw.fetch('/fhir/AuditEvent?patient=Patient/pat-0003', { headers: auditor })).json()) as any;
      expect(found.resourceType).toBe('Bundle');
      const events = found.entry.map((e: any) => e.resource);
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events[0]).toMatchObject({ resourceType: 'AuditEvent', action: 'R', outcome: '0' });
      expect(JSON.stringify(events[0])).toContain('Patient/pat-0003');
      expect(JSON.stringify(events[0])).toContain('req-strict-1');
      await gw.stop();
      f = undefined;
    });
  });
}


describe('strict durability without a database', () => {
  it('withholds the answer (503 AUDIT_UNAVAILABLE) when the events cannot be committed; nothing is logged of the data', async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const f = await startFixture({
      sources: { demo: { patients: 2 } },
      argv: ['--database-url', 'postgres://postgres@127.0.0.1:1/none'],
      config: { audit: { durability: 'strict' } },
      logger: { debug: capture, info: capture, warn: capture, error: capture },
    });
    try {
      const res = await f.fetch('/fhir/Patient/pat-0001', { headers: { 'x-request-id': 'req-unaudited' } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = (await res.json()) as any;
      expect(body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(body)).toContain('AUDIT_UNAVAILABLE');
      expect(JSON.stringify(body)).not.toContain('pat-0001"'); // the patient's data is not in the answer
      expect(lines.join('\n')).toMatch(/audit trail: the events of request req-unaudited could not be committed/);
    } finally {
      await f.stop();
    }
  });
});
