// Shared set-up for the third-party FHIR client suites (fhir-kit-client, fhirclient): the real gateway in front of
// one or two real FHIR upstreams (Medplum's in-memory server over loopback HTTP), plus checks against the upstreams'
// own REST APIs. The clients themselves are used as published: only a base URL and standard FHIR headers.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import smart from 'fhirclient';
import { expect } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';

/** fhirclient's Client (the type its Node entry's `smart(req, res).client(...)` returns). */
export type FhirClient = ReturnType<ReturnType<typeof smart>['client']>;

export interface BundleLink { relation: string; url: string }
export interface BundleEntry {
  fullUrl?: string;
  resource?: Resource;
  search?: { mode?: string };
  response?: { status?: string; location?: string };
}
export interface Bundle {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: BundleLink[];
  entry?: BundleEntry[];
}
export interface Resource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string };
  [key: string]: unknown;
}
export interface Patient extends Resource {
  resourceType: 'Patient';
  birthDate?: string;
  gender?: string;
  identifier?: Array<{ system?: string; value?: string }>;
  name?: Array<{ family?: string; given?: string[] }>;
}
export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ severity: string; code: string; diagnostics?: string; details?: { text?: string } }>;
}

/** One gateway with its upstreams (the test fixture), as a client sees it. */
export interface Setup extends Fixture {
  readonly name: string;
  /** `${url}/fhir`: the base every client reads and searches through. */
  readonly base: string;
  /** The source creates go to, and the base a create is sent to (`/fhir` with one source, `/fhir/{id}` with two). */
  readonly writeSource: string;
  readonly writeBase: string;
  /** The gateway URL of a resource of a source, as the gateway's fullUrls spell it. */
  fullUrl(sourceId: string, path: string): string;
}

/** Seeded patients per source (ids `a-pat-0001`..., `b-pat-0001`...). */
export const SEEDED = { a: 25, b: 20 } as const;

/** The done-when case: the gateway over ONE real upstream, clients pointed at `${url}/fhir`. */
export async function startOneSource(): Promise<Setup> {
  const f = await startFixture({ sources: { a: { patients: SEEDED.a, idPrefix: 'a', seed: 3 } } });
  const base = `${f.url}/fhir`;
  return { ...f, name: 'one source', base, writeSource: 'a', writeBase: base, fullUrl: (_sourceId, path) => `${base}/${path}` };
}

/** Two sources: reads and searches through `/fhir` (fan-out), creates through `/fhir/b`. */
export async function startTwoSources(): Promise<Setup> {
  const f = await startFixture({
    sources: { a: { patients: SEEDED.a, idPrefix: 'a', seed: 3 }, b: { patients: SEEDED.b, idPrefix: 'b', seed: 4 } },
  });
  const base = `${f.url}/fhir`;
  return { ...f, name: 'two sources', base, writeSource: 'b', writeBase: `${base}/b`, fullUrl: (sourceId, path) => `${base}/${sourceId}/${path}` };
}

export const SETUPS = [
  ['one source', startOneSource],
  ['two sources', startTwoSources],
] as const;

/** A search straight against one source's upstream (every match: the memory server pages only with `_count`). */
export async function upstreamSearch(setup: Setup, sourceId: string, query: string): Promise<Resource[]> {
  const res = await setup.direct<Bundle>(sourceId, query);
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e) => e.resource!);
}

/** Every match of `query` in every upstream of the setup, as the union a fan-out search must return. */
export async function upstreamUnion(setup: Setup, query: string): Promise<Array<{ sourceId: string; resource: Resource }>> {
  const all = await Promise.all(
    Object.keys(setup.upstreams).map(async (sourceId) => (await upstreamSearch(setup, sourceId, query)).map((resource) => ({ sourceId, resource }))),
  );
  return all.flat();
}

/** How many requests of `method` to exactly `path` (e.g. `/Patient`) a source's upstream received. */
export const upstreamCalls = (setup: Setup, sourceId: string, method: string, path: string): number =>
  setup.calls(sourceId).filter((r) => r.method === method && r.url === path).length;

/** Every method+path a source's upstream received that is not a GET (the writes), e.g. `POST /Patient`. */
export const upstreamWrites = (setup: Setup, sourceId: string): string[] => setup.writes(sourceId).map((r) => `${r.method} ${r.url}`);

/** Every URL a Bundle gives a client to follow: fullUrls, links and response locations. */
export function urlsOf(bundle: Bundle): string[] {
  return [
    ...(bundle.link ?? []).map((l) => l.url),
    ...(bundle.entry ?? []).flatMap((e) => [e.fullUrl, e.response?.location].filter((u): u is string => typeof u === 'string')),
  ];
}

/** Every URL is a gateway URL under `${url}/fhir`, and none names an upstream's base. */
export function expectGatewayUrls(setup: Setup, urls: readonly (string | null | undefined)[]): void {
  for (const url of urls) {
    expect(url, 'a URL the client was given').toEqual(expect.any(String));
    expect(url!.startsWith(`${setup.base}/`) || url!.startsWith(`${setup.base}?`), `${url} is under ${setup.base}`).toBe(true);
    for (const u of Object.values(setup.upstreams)) expect(url!.startsWith(u.baseUrl), `${url} names upstream ${u.baseUrl}`).toBe(false);
  }
}

/** The match entries of a searchset page. */
export const matchesOf = (bundle: Bundle): BundleEntry[] => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');

/** The source a gateway fullUrl names (two sources: `/fhir/{sourceId}/Type/id`), or the only source. */
export function sourceOfFullUrl(setup: Setup, fullUrl: string): string {
  const ids = Object.keys(setup.upstreams);
  if (ids.length === 1) return ids[0]!;
  const rest = fullUrl.slice(setup.base.length + 1);
  return rest.slice(0, rest.indexOf('/'));
}

/** Ascending (or descending) order of present values; a missing value is not compared. */
export function expectSorted(values: readonly (string | undefined)[], descending = false): void {
  const present = values.filter((v): v is string => v !== undefined);
  const sorted = [...present].sort();
  expect(present).toEqual(descending ? sorted.reverse() : sorted);
}

/** A new test patient with a unique identifier (urn:test:clients|<value>); it has a birth date and gender 'other'. */
export function newPatient(tag: string): Patient & { identifier: Array<{ system: string; value: string }> } {
  const value = `${tag}-${crypto.randomUUID()}`;
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:test:clients', value }],
    name: [{ family: `Client${tag.replace(/[^A-Za-z]/g, '')}`, given: ['Test'] }],
    gender: 'other',
    birthDate: '1990-01-01',
  };
}

export const identifierQuery = (p: { identifier: Array<{ system: string; value: string }> }): string =>
  `identifier=${encodeURIComponent(`${p.identifier[0]!.system}|${p.identifier[0]!.value}`)}`;

/**
 * A fhirclient Client for a FHIR base without a SMART launch. fhirclient's Node entry is `smart(req, res)`: it is made
 * for use inside the app's own request handler and keeps its state in that request's session, which it reads only for
 * SMART authorization. A client of an open server needs neither, so a plain request/response pair stands in for the
 * app's; the client then talks to the server with nothing but its `serverUrl`.
 */
export function fhirclientFor(serverUrl: string): FhirClient {
  const req = new IncomingMessage(new Socket());
  return smart(req, new ServerResponse(req)).client(serverUrl);
}

/**
 * The body of a failed fhirclient request: fhirclient's HttpError reads the JSON error body and appends it to its
 * message (after a blank line), so that is where a caller finds the OperationOutcome.
 */
export function bodyOfHttpError(error: { message: string }): unknown {
  const at = error.message.indexOf('\n\n');
  expect(at, `HttpError message with a body: ${error.message}`).toBeGreaterThan(0);
  return JSON.parse(error.message.slice(at + 2));
}

/** Runs `fn`, which must fail; returns the error. */
export async function failure<E = any>(fn: () => Promise<unknown>): Promise<E> {
  try {
    await fn();
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the request to fail');
}
