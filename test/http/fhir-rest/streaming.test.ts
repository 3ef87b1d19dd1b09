// Search Bundles: one string when small, a pull stream when large (src/http/fhir-rest/rest-response.ts) — the same
// Bundle either way, and a large page never becomes one string in the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../../helpers/fixture.ts';

let f: Fixture;
/** 120 Patients with ~8 KB of narrative each: a page of all of them is ~1 MB, past the 512 KB answered inline. */
const big = Array.from({ length: 120 }, (_, i) => ({
  resourceType: 'Patient',
  id: `big-${String(i).padStart(3, '0')}`,
  text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'narrative '.repeat(800)}${i}</div>` },
  name: [{ family: `Big${i}` }],
}));

beforeAll(async () => {
  f = await startFixture({ sources: { a: { patients: 0, resources: big } } });
});
afterAll(() => f?.stop());

describe('search Bundles', () => {
  it('a small page is one string with a Content-Length', async () => {
    const res = await f.fetch('/fhir/Patient?_count=3&_sort=_id');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).not.toBeNull();
    const bundle = (await res.json()) as { entry: Array<{ resource: { id: string } }> };
    expect(bundle.entry.map((e) => e.resource.id)).toEqual(['big-000', 'big-001', 'big-002']);
  });

  it('a large page is streamed (chunked, no Content-Length) and is the same valid Bundle, every entry in order', async () => {
    const res = await f.fetch('/fhir/Patient?_count=200&_sort=_id');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const text = await res.text();
    expect(text.length).toBeGreaterThan(900_000);
    const bundle = JSON.parse(text) as { type: string; total: number; entry: Array<{ resource: { id: string; text: { div: string } } }> };
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry.map((e) => e.resource.id)).toEqual(big.map((p) => p.id));
    expect(bundle.entry[119]!.resource.text.div).toBe(big[119]!.text.div);
  });

  it('a client that goes away in the middle of a streamed page does not stop the gateway', async () => {
    const controller = new AbortController();
    const res = await f.fetch('/fhir/Patient?_count=200&_sort=_id', { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const after = await f.fetch('/fhir/Patient?_count=1');
    expect(after.status).toBe(200);
    expect(((await after.json()) as { entry: unknown[] }).entry).toHaveLength(1);
  });
});
