// The embedded default (`npm start` without sources): two demo FHIR servers with overlapping people, federated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { startDemoSources, type DemoSources } from '../../src/demo/demo-sources.ts';
import { NATIONAL_ID_SYSTEM } from '../../src/demo/synthetic-data.ts';
import { exampleQuery } from '../../src/http/example-query.ts';

let demo: DemoSources;
let app: App;
let url: string;

beforeAll(async () => {
  const config = loadConfig({ argv: ['--port', '0', '--log-level', 'silent'], env: {} });
  expect(config.sources).toEqual([]);
  demo = await startDemoSources({ ...config, demo: { patients: 20, seed: 1 } });
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
});
