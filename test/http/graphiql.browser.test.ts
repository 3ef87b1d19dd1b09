// GraphiQL in a real browser (Debian's chromium driven by playwright-core), offline: the gateway over loopback in
// front of a real FHIR upstream; every request to a host other than 127.0.0.1 is aborted and counted. The page must
// load from the gateway alone, open with the example query, run it and show the upstream's patients, with no CSP
// violation, no console error and no failed request.
// Without /usr/bin/chromium the test fails (CI installs it: .ci/run), unless BROWSER_TESTS_OPTIONAL=1 says to skip.
import { existsSync } from 'node:fs';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Request as PwRequest } from 'playwright-core';
import type { MemoryFhirServer } from '../../src/demo/memory-fhir-server.ts';
import { exampleQuery } from '../../src/http/example-query.ts';
import { startGateway, type GatewayHandle } from '../helpers/gateway.ts';
import { startUpstream } from '../helpers/upstream.ts';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.BROWSER_TESTS_OPTIONAL === '1';
if (skip) console.warn(`SKIPPED graphiql.browser.test.ts: ${CHROMIUM} is missing and BROWSER_TESTS_OPTIONAL=1 (apt-get install -y chromium to run it)`);

let upstream: MemoryFhirServer | undefined;
let gateway: GatewayHandle | undefined;
let browser: Browser | undefined;

describe.skipIf(skip)('GraphiQL in chromium, offline', () => {
  beforeAll(async () => {
    if (missing) return; // the test fails with the reason
    [upstream, browser] = await Promise.all([
      startUpstream({ patients: 10, seed: 7 }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      }),
    ]);
    gateway = await startGateway({ demo: upstream.baseUrl });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await upstream?.close();
  });

  it('loads from the gateway alone, opens with the example query and runs it', { timeout: 60_000 }, async () => {
    if (missing) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does), or set BROWSER_TESTS_OPTIONAL=1 to skip this test`);
    }
    // What the upstream itself answers for the example query's page (its REST API, not through the gateway).
    const bundle = (await (await fetch(`${upstream!.baseUrl}/Patient?_sort=family&_count=5`)).json()) as {
      entry: Array<{ resource: { id: string; name: Array<{ family: string }> } }>;
    };
    const first = bundle.entry[0]!.resource;

    const context = await browser!.newContext({ viewport: { width: 1400, height: 1400 } });
    const foreign: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname !== '127.0.0.1') {
        foreign.push(url.href);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    // Runs before the page's scripts, outside its CSP (injected by the driver).
    await context.addInitScript(() => {
      const seen: string[] = [];
      (globalThis as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const problems: string[] = [];
    const loaded: string[] = [];
    const onConsole = (where: string) => (m: { type(): string; text(): string }) => {
      if (m.type() === 'error' || /content security policy/i.test(m.text())) problems.push(`${where} console.${m.type()}: ${m.text()}`);
    };
    page.on('console', onConsole('page'));
    page.on('worker', (worker) => worker.on('console', onConsole(`worker ${worker.url()}`)));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request: PwRequest) => problems.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.request().method()} ${response.url()}`);
      else if (response.request().method() === 'GET') loaded.push(new URL(response.url()).pathname);
    });

    try {
      /** A wait that fails with what went wrong in the page so far (e.g. a blocked CDN), not only 'timeout'. */
      const waitFor = (what: string, done: Promise<unknown>) =>
        done.catch((error: unknown) => {
          throw new Error(`${what}: ${(error as Error).message.split('\n')[0]}\nforeign requests: ${JSON.stringify(foreign)}\nproblems: ${JSON.stringify(problems, null, 1)}`);
        });
      const response = await page.goto(`${gateway!.url}/graphql`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('FHIR GraphQL gateway');

      // Monaco shows the prefilled example query
      const editor = page.locator('.graphiql-query-editor .view-lines');
      await waitFor('the editor with the example query', editor.locator('.view-line', { hasText: 'PatientsWithVitals' }).first().waitFor({ timeout: 20_000 }));
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(normalize(await editor.innerText())).toContain('PatientList(_count: 5, _sort: "family")');

      const executed = page.waitForRequest((r) => r.method() === 'POST' && r.postData()?.includes('PatientsWithVitals') === true);
      await page.locator('button.graphiql-execute-button').click();
      const sent = ((await executed).postDataJSON() as { query: string }).query; // GraphiQL sends it minified
      expect(print(parse(sent))).toBe(print(parse(exampleQuery)));

      // the result pane shows the upstream's first patient of the page
      const result = page.locator('.graphiql-response .view-lines');
      await waitFor('the result pane with the patients', result.locator('.view-line', { hasText: first.name[0]!.family }).first().waitFor({ timeout: 20_000 }));
      const shown = normalize(await result.innerText());
      expect(shown).toContain(`"id": "${first.id}"`);
      expect(shown).toContain(`"family": "${first.name[0]!.family}"`);
      expect(shown).toContain('"sourceId": "demo"');
      expect(shown).not.toContain('"errors"');

      // everything came from the gateway's own asset folder: the bundle, its CSS, the init script, Monaco's workers
      const files = new Set(loaded.filter((p) => p.startsWith('/graphiql/')).map((p) => p.split('/').pop()));
      for (const file of ['init.js', 'graphiql.js', 'graphiql.css', 'editor.worker.js', 'graphql.worker.js']) expect(files).toContain(file);
      expect(await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/** Monaco renders spaces as no-break spaces. */
function normalize(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}
