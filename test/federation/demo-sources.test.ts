// The embedded default (`npm start` without sources): two demo FHIR servers with overlapping people, federated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { startDemoSources, type DemoSources } from '../../src/demo/demo-sources.ts';
import { NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';
import { exampleQuery } from '../../src/http/example-query.ts';

let demo: DemoSources;
let app: App;
let url: string;

beforeAll(async () => {
  const config = loadConfig({ argv: ['--port', '0', '--log-level', 'silent'], env: {} });
  expect(config.sources).toEqual([]);
  demo = await startDemoSources({ ...config, demo: { ...config.demo, patients: 20 } });
  app = createApp(demo.config);
  url = await app.start();
  await app.whenReady();
});

afterAll(async () => {
  await app?.stop();
  await demo?.close();
});

async function gql(query: string) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

describe('embedded demo sources', () => {
  it('are two sources, with the national id as the person identifier', () => {
    expect(demo.config.sources.map((s) => s.id)).toEqual(['hospital', 'lab']);
    expect(demo.config.identity.patientIdentifierSystems).toEqual([NATIONAL_ID_SYSTEM]);
  });

  it('hold overlapping people: 20 in the hospital, 12 of them also in the lab', async () => {
    const res = await gql('{ PatientList(_count: 100) { id sourceId sameAs { id sourceId } } }');
    expect(res.errors).toBeUndefined();
    const list = res.data.PatientList as Array<{ id: string; sourceId: string; sameAs: Array<{ id: string; sourceId: string }> }>;
    expect(list.filter((p) => p.sourceId === 'hospital')).toHaveLength(20);
    expect(list.filter((p) => p.sourceId === 'lab')).toHaveLength(12);
    const linked = list.filter((p) => p.sourceId === 'hospital' && p.sameAs.length > 0);
    expect(linked).toHaveLength(12);
    for (const p of linked) expect(p.sameAs).toEqual([{ id: `lab-${p.id}`, sourceId: 'lab' }]);
  });

  it('answer the GraphiQL example query without errors', async () => {
    const res = await gql(exampleQuery);
    expect(res.errors).toBeUndefined();
    expect(res.data.PatientList).toHaveLength(5);
    expect(res.data.PatientList.some((p: { sameAs: unknown[] }) => p.sameAs.length > 0)).toBe(true);
  });

  // Last: these write to the demo data the tests above count.
  it('take writes that name no source in the hospital (defaultWriteSource), so a FHIR client at /fhir can create', async () => {
    expect(demo.config.defaultWriteSource).toBe('hospital');
    expect(Object.isFrozen(demo.config)).toBe(true);
    const res = await fetch(`${url}/fhir/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Created' }] }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    expect(res.headers.get('location')).toMatch(new RegExp(`/fhir/hospital/Patient/${created.id}/_history/`));
    const gqlCreate = await gql('mutation { PatientCreate(res: { name: [{ family: "CreatedToo" }] }) { sourceId } }');
    expect(gqlCreate.errors).toBeUndefined();
    expect(gqlCreate.data.PatientCreate.sourceId).toBe('hospital');
  });

  it('keep a configured defaultWriteSource that names a demo source; another is a ConfigError', async () => {
    const base = loadConfig({ argv: ['--write-source', 'lab'], env: {} });
    const lab = await startDemoSources({ ...base, demo: { ...base.demo, patients: 1 } });
    try {
      expect(lab.config.defaultWriteSource).toBe('lab');
    } finally {
      await lab.close();
    }
    const unknown = loadConfig({ argv: ['--write-source', 'clinic'], env: {} });
    const error = await startDemoSources(unknown).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "defaultWriteSource 'clinic' is not a configured source (configured: hospital, lab); with no source configured, the embedded demo sources are the only ones",
    ]);
  });
});
