// A SMART app in a real browser (Debian's chromium driven by playwright-core), offline: the gateway over loopback in
// front of a real FHIR upstream, with SMART authorization by a loopback issuer (real jose keys) and a CORS allow-list of
// one app origin. Two tiny app sites on 127.0.0.1 (other ports = other origins): the allowed one and another.
// - From the allowed origin, `fetch` with `Authorization: Bearer` works on /graphql, the FHIR REST API, [base]/$graphql
//   and [base]/Patient/[id]/$graphql (the data equal to what the upstream itself holds), after a preflight for
//   `authorization` that the gateway answered; a 401 is readable with its WWW-Authenticate challenge (what tells a
//   SMART app to get a new token) and X-Request-Id.
// - From the other origin the same requests fail as CORS failures: the gateway refused the preflights and sent no
//   Access-Control-Allow-Origin, and no data request reached the upstream.
// - From either origin the discovery documents — both SMART configurations and the CapabilityStatement with its
//   oauth-uris — are readable.
// What the browser sent and got (preflights included) is read from the DevTools protocol's Network domain.
// Every request to a host other than 127.0.0.1 is sent to a dead proxy (loopback bypasses it) and counted: not with
// playwright's route(), because while any route is set playwright answers every CORS preflight itself, allowing any
// origin and header, so the gateway's preflight answers would never be seen.
// Without /usr/bin/chromium the test fails (CI installs it: .ci/run), unless BROWSER_TESTS_OPTIONAL=1 says to skip.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { PatientByIdDocument, PatientFocusFragmentDoc, PatientPageDocument, type PatientFocusFragment } from '../gql/graphql.ts';
import { startGateway, type GatewayHandle } from '../helpers/gateway.ts';
import { startSmartIssuer, type SmartIssuer } from '../helpers/smart-issuer.ts';
import { startUpstream } from '../helpers/upstream.ts';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.BROWSER_TESTS_OPTIONAL === '1';
if (skip) console.warn(`SKIPPED smart-cors.browser.test.ts: ${CHROMIUM} is missing and BROWSER_TESTS_OPTIONAL=1 (apt-get install -y chromium to run it)`);

type Json = Record<string, any>;

let upstream: MemoryFhirServer | undefined;
let issuer: SmartIssuer | undefined;
let gateway: GatewayHandle | undefined;
let browser: Browser | undefined;
let app: Site | undefined;
let other: Site | undefined;

describe.skipIf(skip)('a SMART app in chromium, against the CORS allow-list', () => {
  beforeAll(async () => {
    if (missing) return; // each test fails with the reason
    [upstream, issuer, app, other, browser] = await Promise.all([
      startUpstream({ patients: 4, seed: 11 }),
      startSmartIssuer(() => `${gateway!.url}/fhir`),
      serveSite('SMART app'),
      serveSite('Another site'),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
          '--disable-component-update', '--disable-sync',
          '--proxy-server=http://127.0.0.1:9', // nothing listens there: every request leaving loopback fails
          '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        ],
      }),
    ]);
    gateway = await startGateway({ demo: upstream.baseUrl }, { argv: ['--auth-issuer', issuer.issuer], configFile: { cors: { origins: [app.origin] } } });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await Promise.all([upstream?.close(), issuer?.stop(), app?.close(), other?.close()]);
  });

  it('from the allowed origin: bearer-token requests on every data route, preflighted and answered with the upstream\'s data; a 401 readable', { timeout: 60_000 }, async () => {
    needChromium();
    const gw = gateway!.url;
    const patients = (await up<Json>('/Patient?_count=50')).entry.map((e: Json) => e.resource);
    const [first, focus] = [patients[0]!, patients[1]!];
    const page2 = (await up<Json>('/Patient?_count=2')).entry.map((e: Json) => e.resource);
    const observations = ((await up<Json>(`/Observation?subject=Patient/${focus.id}&_count=100`)).entry ?? []).map((e: Json) => e.resource);
    expect(patients.length).toBe(4);
    expect(observations.length).toBeGreaterThan(0);

    const bearer = { authorization: `Bearer ${await issuer!.sign({ scope: 'user/*.rs' })}` };
    const calls = {
      graphql: post(`${gw}/graphql`, { query: PatientByIdDocument.toString(), variables: { id: first.id } }, bearer),
      search: { url: `${gw}/fhir/Patient?_count=2`, method: 'GET', headers: { ...bearer, accept: 'application/fhir+json' } },
      system: post(`${gw}/fhir/$graphql`, { query: PatientPageDocument.toString(), variables: { count: 50 } }, bearer),
      instance: { url: `${gw}/fhir/Patient/${focus.id}/$graphql?${instanceQuery(100)}`, method: 'GET', headers: { ...bearer, accept: 'application/json' } },
    } satisfies Record<string, Call>;

    await using site = await open(app!.origin);
    const [graphql, search, system, instance] = await site.fetchAll([calls.graphql, calls.search, calls.system, calls.instance]);

    // the data: what the upstream itself holds
    expect(graphql, 'POST /graphql').toMatchObject({ status: 200 });
    expect(JSON.parse(graphql!.body!)).toEqual({ data: { Patient: { id: first.id, name: names(first), birthDate: first.birthDate ?? null } } satisfies ResultOf<typeof PatientByIdDocument> });
    expect(search, 'GET /fhir/Patient').toMatchObject({ status: 200, headers: { 'content-type': expect.stringContaining('application/fhir+json') } });
    const bundle = JSON.parse(search!.body!) as Json;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.map((e: Json) => e.resource.id)).toEqual(page2.map((p: Json) => p.id));
    expect(bundle.entry.map((e: Json) => e.resource.name)).toEqual(page2.map((p: Json) => p.name));
    expect(system, 'POST /fhir/$graphql').toMatchObject({ status: 200 });
    const listed = (JSON.parse(system!.body!) as { data: ResultOf<typeof PatientPageDocument> }).data.PatientList!.map((p) => p!.id).sort();
    expect(listed).toEqual(patients.map((p: Json) => p.id).sort());
    expect(instance, 'GET /fhir/Patient/{id}/$graphql').toMatchObject({ status: 200 });
    const focused = (JSON.parse(instance!.body!) as { data: PatientFocusFragment }).data;
    expect({ ...focused, ObservationList: byId(focused.ObservationList!) }).toEqual({
      id: focus.id,
      gender: focus.gender ?? null,
      name: names(focus),
      ObservationList: byId(observations.map((o: Json) => ({ id: o.id, status: o.status, subject: { reference: o.subject.reference } }))),
    });
    for (const answer of [graphql, search, system, instance]) expect(answer!.headers['x-request-id']).toBeTruthy(); // exposed

    // each was preflighted (Authorization is not a simple header) and the gateway said yes to this origin
    for (const call of Object.values(calls)) {
      const asked = call.method === 'POST' ? ['authorization', 'content-type'] : ['authorization'];
      const preflight = await site.preflightOf(call.url);
      expect(list(preflight.requestHeaders['access-control-request-headers']), call.url).toEqual(asked);
      expect(preflight.requestHeaders['access-control-request-method'], call.url).toBe(call.method);
      expect(preflight.requestHeaders['origin'], call.url).toBe(app!.origin);
      expect(preflight.status, call.url).toBe(204);
      expect(preflight.responseHeaders['access-control-allow-origin'], call.url).toBe(app!.origin);
      expect(list(preflight.responseHeaders['access-control-allow-headers']), call.url).toEqual(expect.arrayContaining(asked));
      expect(list(preflight.responseHeaders['access-control-allow-methods']), call.url).toContain(call.method.toLowerCase());
      const answered = await site.exchangeOf(call.url, call.method);
      expect(answered.responseHeaders['access-control-allow-origin'], call.url).toBe(app!.origin);
      expect(answered.responseHeaders['access-control-allow-credentials'], call.url).toBeUndefined(); // a bearer token, no cookies
    }

    // a 401 is readable: status, body, the challenge (RFC 6750) and the request id
    const expired = { authorization: `Bearer ${await issuer!.sign({ scope: 'user/*.rs', iat: now() - 7200, exp: now() - 3600 })}` };
    const [anonymous, stale] = await site.fetchAll([
      post(`${gw}/graphql`, { query: PatientByIdDocument.toString(), variables: { id: first.id } }),
      { url: `${gw}/fhir/Patient?_count=2`, method: 'GET', headers: { ...expired, accept: 'application/fhir+json' } },
    ]);
    expect(anonymous).toMatchObject({ status: 401, headers: { 'www-authenticate': `Bearer realm="${gw}/fhir"`, 'x-request-id': expect.any(String) } });
    expect(JSON.parse(anonymous!.body!).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(stale).toMatchObject({ status: 401, headers: { 'www-authenticate': expect.stringMatching(new RegExp(`^Bearer realm="${gw}/fhir", error="invalid_token"`)) } });
    expect(JSON.parse(stale!.body!)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });

    expect(site.problems.filter((p) => /CORS|blocked/i.test(p))).toEqual([]);
    expect(site.foreign).toEqual([]);
  });

  it('from an origin not on the list: the same requests fail as CORS failures, the gateway allowed nothing, no data left the upstream', { timeout: 60_000 }, async () => {
    needChromium();
    const gw = gateway!.url;
    const id = (await up<Json>('/Patient?_count=1')).entry[0].resource.id as string;
    const bearer = { authorization: `Bearer ${await issuer!.sign({ scope: 'user/*.rs' })}` };
    const preflighted: Call[] = [
      post(`${gw}/graphql`, { query: PatientByIdDocument.toString(), variables: { id } }, bearer),
      { url: `${gw}/fhir/Patient?_count=2`, method: 'GET', headers: { ...bearer, accept: 'application/fhir+json' } },
      post(`${gw}/fhir/$graphql`, { query: PatientPageDocument.toString(), variables: { count: 50 } }, bearer),
      { url: `${gw}/fhir/Patient/${id}/$graphql?${instanceQuery(5)}`, method: 'GET', headers: { ...bearer, accept: 'application/json' } },
    ];
    // a simple request (no preflight): it reaches the gateway, whose answer the page must not be let read
    const simple: Call = { url: `${gw}/fhir/Patient/${id}`, method: 'GET', headers: { accept: 'application/fhir+json' } };
    upstream!.resetRequests();

    await using site = await open(other!.origin);
    const answers = await site.fetchAll([...preflighted, simple]);
    for (const [i, answer] of answers.entries()) expect(answer, answers.length === i + 1 ? simple.url : preflighted[i]!.url).toEqual({ error: 'TypeError: Failed to fetch', headers: {} });

    for (const call of preflighted) {
      const preflight = await site.preflightOf(call.url);
      expect(preflight.requestHeaders['origin'], call.url).toBe(other!.origin);
      expect(preflight.status, call.url).toBe(403);
      expect(corsHeaders(preflight.responseHeaders), call.url).toEqual({});
      const refused = await site.exchangeOf(call.url, call.method);
      expect(refused.status, `${call.url}: the request itself was never sent`).toBeUndefined();
      expect(refused.corsError, call.url).toMatch(/^Preflight/);
    }
    const simpleAnswer = await site.exchangeOf(simple.url, 'GET');
    expect(simpleAnswer.status).toBe(401); // the gateway answered, without a CORS header, so the browser kept it from the page
    expect(corsHeaders(simpleAnswer.responseHeaders)).toEqual({});
    expect(simpleAnswer.corsError).toBe('MissingAllowOriginHeader');
    for (const call of [...preflighted, simple]) {
      expect(site.problems.some((p) => p.includes(`'${call.url}'`) && /blocked by CORS policy/.test(p)), `console: ${call.url} blocked by CORS`).toBe(true);
    }
    expect(upstream!.requests.filter((r) => !r.url.endsWith('/metadata'))).toEqual([]);
    expect(site.foreign).toEqual([]);

    // the same preflight from Node, outside any browser: refused without a CORS header; the allowed origin's is not
    for (const [origin, status] of [[other!.origin, 403], [app!.origin, 204]] as const) {
      const res = await fetch(`${gw}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      expect(res.status, origin).toBe(status);
      expect(res.headers.get('access-control-allow-origin'), origin).toBe(status === 204 ? origin : null);
    }
  });

  it('from either origin the discovery documents are readable: both SMART configurations and the CapabilityStatement', { timeout: 60_000 }, async () => {
    needChromium();
    const gw = gateway!.url;
    const documents: Call[] = [
      { url: `${gw}/.well-known/smart-configuration`, method: 'GET', headers: { accept: 'application/json' } },
      { url: `${gw}/fhir/.well-known/smart-configuration`, method: 'GET', headers: { accept: 'application/json' } },
      { url: `${gw}/fhir/metadata`, method: 'GET', headers: { accept: 'application/fhir+json' } },
    ];
    for (const origin of [app!.origin, other!.origin]) {
      await using site = await open(origin);
      const [root, fhir, metadata] = await site.fetchAll(documents);
      for (const configuration of [root, fhir]) {
        expect(configuration, origin).toMatchObject({ status: 200 });
        expect(JSON.parse(configuration!.body!), origin).toMatchObject({
          issuer: issuer!.issuer,
          authorization_endpoint: `${issuer!.issuer}/authorize`,
          token_endpoint: `${issuer!.issuer}/token`,
          code_challenge_methods_supported: ['S256'],
          capabilities: expect.arrayContaining(['launch-standalone', 'client-public']),
        });
      }
      expect(metadata, origin).toMatchObject({ status: 200 });
      const statement = JSON.parse(metadata!.body!) as Json;
      expect(statement.resourceType).toBe('CapabilityStatement');
      const oauth = statement.rest[0].security.extension.find((e: Json) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
      expect(oauth.extension, origin).toEqual(expect.arrayContaining([{ url: 'authorize', valueUri: `${issuer!.issuer}/authorize` }, { url: 'token', valueUri: `${issuer!.issuer}/token` }]));
      for (const { url } of documents) {
        const allowOrigin = (await site.exchangeOf(url, 'GET')).responseHeaders['access-control-allow-origin'];
        expect(allowOrigin, `${origin} ${url}`).toBe(origin === app!.origin ? origin : '*'); // the listed origin gets itself, any other `*`
      }
      expect(site.problems.filter((p) => /CORS|blocked/i.test(p))).toEqual([]);
      expect(site.foreign).toEqual([]);
    }
    // one source's CapabilityStatement too (from Node, as the browser would send it)
    for (const [origin, allowed] of [[other!.origin, '*'], [app!.origin, app!.origin]] as const) {
      const res = await fetch(`${gw}/fhir/demo/metadata`, { headers: { origin, accept: 'application/fhir+json' }, signal: AbortSignal.timeout(10_000) });
      expect(((await res.json()) as Json).resourceType, origin).toBe('CapabilityStatement');
      expect(res.headers.get('access-control-allow-origin'), origin).toBe(allowed);
    }
  });
});

function needChromium(): void {
  if (missing) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does), or set BROWSER_TESTS_OPTIONAL=1 to skip this test`);
  }
}

/** A tiny web site on 127.0.0.1 (its own port, so its own origin) serving one empty page. */
interface Site {
  readonly origin: string;
  close(): Promise<void>;
}

async function serveSite(title: string): Promise<Site> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head><body>${title}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A request the page makes with `fetch`. */
interface Call {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** What the page could read of the answer, or the error `fetch` rejected with. */
interface PageAnswer {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  /** The response headers the page can read (those CORS exposes), of the ones asked for. */
  readonly headers: Record<string, string>;
}

/** One request or preflight as the browser's network stack saw it (DevTools protocol, Network domain). */
interface Exchange {
  method?: string;
  url?: string;
  preflight: boolean;
  requestHeaders: Record<string, string>;
  status?: number;
  responseHeaders: Record<string, string>;
  finished?: boolean;
  failure?: string;
  corsError?: string;
}

interface OpenSite extends AsyncDisposable {
  /** Runs the calls one after another in the page. */
  fetchAll(calls: readonly Call[]): Promise<PageAnswer[]>;
  /** The (one) preflight the browser sent for a URL, once its answer is in. */
  preflightOf(url: string): Promise<Exchange>;
  /** The (last) request itself the browser sent for a URL and method, once it is answered or failed. */
  exchangeOf(url: string, method: string): Promise<Exchange>;
  /** Console errors and page errors. */
  readonly problems: string[];
  /** Requests to a host other than 127.0.0.1 (each failed at the dead proxy). */
  readonly foreign: string[];
}

/** A fresh browser context with the site's page open, its network watched. */
async function open(origin: string): Promise<OpenSite> {
  const context: BrowserContext = await browser!.newContext();
  context.setDefaultTimeout(15_000);
  const foreign: string[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).hostname !== '127.0.0.1') foreign.push(request.url());
  });
  const page: Page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const exchanges = new Map<string, Exchange>();
  const exchange = (id: string) => {
    let e = exchanges.get(id);
    if (e === undefined) exchanges.set(id, (e = { preflight: false, requestHeaders: {}, responseHeaders: {} }));
    return e;
  };
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (ev) => {
    const e = exchange(ev.requestId);
    Object.assign(e, { method: ev.request.method, url: ev.request.url, preflight: e.preflight || ev.initiator.type === 'preflight' });
    Object.assign(e.requestHeaders, lower(ev.request.headers));
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (ev) => void Object.assign(exchange(ev.requestId).requestHeaders, lower(ev.headers)));
  cdp.on('Network.responseReceived', (ev) => {
    const e = exchange(ev.requestId);
    e.status = ev.response.status;
    if (ev.type === 'Preflight') e.preflight = true;
    Object.assign(e.responseHeaders, lower(ev.response.headers));
  });
  cdp.on('Network.responseReceivedExtraInfo', (ev) => {
    const e = exchange(ev.requestId);
    e.status ??= ev.statusCode; // the only report of an answer the browser then kept from the page (CORS)
    Object.assign(e.responseHeaders, lower(ev.headers));
  });
  cdp.on('Network.loadingFinished', (ev) => void (exchange(ev.requestId).finished = true));
  cdp.on('Network.loadingFailed', (ev) => {
    const e = exchange(ev.requestId);
    e.failure = ev.errorText;
    if (ev.corsErrorStatus !== undefined) e.corsError = ev.corsErrorStatus.corsError;
  });
  await cdp.send('Network.enable');
  expect((await page.goto(`${origin}/`))?.status()).toBe(200);
  expect(await page.evaluate(() => location.origin)).toBe(origin);

  /** Polls until the exchange is complete (its ExtraInfo events can come after the page saw the outcome). */
  const settled = async (what: string, find: () => Exchange | undefined, complete: (e: Exchange) => boolean) => {
    let found: Exchange | undefined;
    await expect.poll(() => ((found = find()) !== undefined && complete(found)), { message: what, timeout: 5_000 }).toBe(true);
    return found!;
  };
  const answered = (e: Exchange) => e.status !== undefined && 'date' in e.responseHeaders;
  return {
    problems,
    foreign,
    async fetchAll(calls) {
      const answers: PageAnswer[] = [];
      for (const call of calls) answers.push(await page.evaluate(pageFetch, call));
      return answers;
    },
    preflightOf: (url) => settled(`the preflight of ${url}`, () => [...exchanges.values()].filter((e) => e.preflight && e.url === url).at(-1), answered),
    exchangeOf: (url, method) => settled(`${method} ${url}`, () => [...exchanges.values()].filter((e) => !e.preflight && e.url === url && e.method === method).at(-1),
      (e) => e.finished === true || e.failure !== undefined),
    [Symbol.asyncDispose]: () => context.close(),
  };
}

/** Runs in the page: the app's `fetch`, bounded; what the page can read of the answer. */
async function pageFetch(call: Call): Promise<PageAnswer> {
  try {
    const init: RequestInit = { method: call.method, headers: call.headers, signal: AbortSignal.timeout(10_000) };
    if (call.body !== undefined) init.body = call.body;
    const res = await fetch(call.url, init);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'www-authenticate', 'x-request-id']) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    return { status: res.status, body: await res.text(), headers };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}`, headers: {} };
  }
}

function post(url: string, body: { query: string; variables?: Record<string, unknown> }, headers: Record<string, string> = {}): Call {
  return {
    url,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(body),
  };
}

/**
 * The query string of the instance-level operation (GET): the Patient is the query's root, so its selection is the
 * typed PatientFocus fragment itself (see test/documents/PatientFocus.graphql).
 */
function instanceQuery(obsCount: number): string {
  return new URLSearchParams({
    query: `query InstanceFocus($obsCount: Int) { ...PatientFocus }\n${PatientFocusFragmentDoc.toString()}`,
    variables: JSON.stringify({ obsCount }),
    operationName: 'InstanceFocus',
  }).toString();
}

/** What the upstream itself answers (its REST API, not through the gateway). */
async function up<T>(path: string): Promise<T> {
  const res = await fetch(`${upstream!.baseUrl}${path}`, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(10_000) });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** A FHIR Patient's names as the GraphQL selection `name { family given }` gives them. */
function names(patient: Json): Array<{ family: string | null; given: string[] | null }> | null {
  return patient.name?.map((n: Json) => ({ family: n.family ?? null, given: n.given ?? null })) ?? null;
}

function byId<T>(items: ReadonlyArray<T>): T[] {
  return [...items].sort((a, b) => String((a as { id: string }).id).localeCompare(String((b as { id: string }).id)));
}

const now = () => Math.floor(Date.now() / 1000);
const list = (header: string | undefined) => (header ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).sort();
const lower = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
const corsHeaders = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('access-control-')));
