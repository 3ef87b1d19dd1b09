// Small helpers for the REST shim tests: plain fetch over a real socket, the answer parsed, and checks that an
// error answer is an OperationOutcome served as application/fhir+json.
import { expect } from 'vitest';
import type { MemoryFhirServer } from '../../../src/demo/memory-fhir-server.ts';

export interface FhirAnswer<T = any> {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON (undefined for an empty body). */
  readonly body: T;
  readonly text: string;
}

export const FHIR_JSON = 'application/fhir+json';

/** fetch + parse; never throws for a non-2xx answer. */
export async function fhir<T = any>(url: string, init: RequestInit = {}): Promise<FhirAnswer<T>> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** A JSON write (POST/PUT) of a FHIR resource. */
export function send(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': FHIR_JSON, ...headers }, body: JSON.stringify(body) };
}

/** The answer is `status` with an OperationOutcome body served as application/fhir+json; returns its issues. */
export function expectOutcome(res: FhirAnswer, status: number, issueCode?: string): Array<{ severity: string; code: string; diagnostics?: string }> {
  expect(res.status, `status of ${res.text.slice(0, 300)}`).toBe(status);
  expect(res.headers.get('content-type') ?? '').toContain(FHIR_JSON);
  expect(res.body?.resourceType, res.text.slice(0, 300)).toBe('OperationOutcome');
  const issues = res.body.issue as Array<{ severity: string; code: string; diagnostics?: string }>;
  expect(Array.isArray(issues) && issues.length > 0).toBe(true);
  if (issueCode !== undefined) expect(issues.map((i) => i.code)).toContain(issueCode);
  return issues;
}

/**
 * startFixture()/addGateway() options for sources without background capability reads or a circuit breaker (request
 * counts stay exact), and a generous request deadline. Spread it, then add to `sourceDefaults` what a file needs.
 */
export const EXACT = {
  config: { capabilityRefreshMs: 0, limits: { requestTimeoutMs: 20_000 } },
  sourceDefaults: { circuitBreaker: { failureThreshold: 0 } },
} as const;

export interface SearchEntry {
  fullUrl?: string;
  resource: any;
  search?: { mode?: string };
}

export interface SearchBundle {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: Array<{ relation: string; url: string }>;
  entry?: SearchEntry[];
}

export const linkOf = (bundle: { link?: Array<{ relation: string; url: string }> }, relation: string): string | undefined =>
  bundle.link?.find((l) => l.relation === relation)?.url;

export const matches = (bundle: SearchBundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
export const includes = (bundle: SearchBundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'include');
export const outcomes = (bundle: SearchBundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'outcome');

/** Follows `relation` links from `first` (a bundle) until there is none; bounded. */
export async function follow(first: SearchBundle, relation: 'next' | 'previous', max = 30): Promise<SearchBundle[]> {
  const pages = [first];
  for (let url = linkOf(first, relation); url !== undefined; url = linkOf(pages.at(-1)!, relation)) {
    expect(pages.length, `more than ${max} pages`).toBeLessThan(max);
    const res = await fhir<SearchBundle>(url);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    pages.push(res.body);
  }
  return pages;
}

/** The first `n` pages from `first` on, following `next`. */
export async function take(first: SearchBundle, n: number): Promise<SearchBundle[]> {
  const pages = [first];
  while (pages.length < n) {
    const url = linkOf(pages.at(-1)!, 'next');
    if (url === undefined) break;
    const res = await fhir<SearchBundle>(url);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    pages.push(res.body);
  }
  return pages;
}

/** Every resource an upstream holds of a type, straight from its REST API. */
export async function held(u: MemoryFhirServer, type: string, query = ''): Promise<any[]> {
  const res = await fetch(`${u.baseUrl}/${type}?_count=1000${query ? `&${query}` : ''}`);
  const bundle = (await res.json()) as SearchBundle;
  return (bundle.entry ?? []).map((e) => e.resource);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ res: T; ms: number }> {
  const t0 = performance.now();
  const res = await fn();
  return { res, ms: performance.now() - t0 };
}
