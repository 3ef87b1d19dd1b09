// The offline GraphiQL plugin in-process (yoga.fetch): the page, its CSP, its assets and their headers; GraphQL GETs
// are left alone. The page in a real browser: graphiql.browser.test.ts.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createSchema, createYoga } from 'graphql-yoga';
import { GRAPHIQL_CSP } from '../../src/http/graphiql-page.ts';
import { useGraphiql, type UseGraphiqlOptions } from '../../src/http/use-graphiql.ts';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const QUERY = '# prefilled </script><script>alert(1)</script>\n{ hello }';

function yogaWith(options: UseGraphiqlOptions, graphqlEndpoint = '/graphql') {
  return createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }),
    graphqlEndpoint,
    graphiql: false,
    landingPage: false,
    logging: false,
    plugins: [useGraphiql(options)],
  });
}

const yoga = yogaWith({ title: 'FHIR <GraphQL> gateway', defaultQuery: QUERY });
const get = (path: string, headers: Record<string, string> = { accept: BROWSER_ACCEPT }, method = 'GET') =>
  yoga.fetch(`http://gateway.test${path}`, { method, headers });

async function page(path = '/graphql') {
  const res = await get(path);
  const html = await res.text();
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  return { res, html, urls };
}

describe('useGraphiql', () => {
  it('answers a browser GET of the endpoint with a page that has a strict CSP and no inline script', async () => {
    const { res, html, urls } = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(GRAPHIQL_CSP);
    expect(GRAPHIQL_CSP).toContain("script-src 'self'");
    expect(GRAPHIQL_CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('vary')).toBe('Accept');
    expect(html).toContain('<title>FHIR &#60;GraphQL&#62; gateway</title>');
    expect(html).not.toMatch(/https?:\/\/|unpkg/);
    expect(html.length).toBeLessThan(4_000);
    // every script is either a served file or a JSON data block, which the browser does not run
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(3);
    for (const [, attrs, body] of scripts) {
      if (attrs!.includes('src=')) expect(body).toBe('');
      else expect(attrs).toContain('type="application/json"');
    }
    // relative to the page, so that a proxy's path prefix is kept
    for (const url of urls) expect(url).toMatch(/^graphiql\/[\w.-]+\/[\w.]+$/);
    expect(urls.map((u) => u.split('/')[2])).toEqual(['favicon.ico', 'graphiql.css', 'init.js', 'graphiql.js']);
  });

  it('prefills the title and the default query, with nothing in the query able to end the data block', async () => {
    const { html } = await page();
    const block = /<script type="application\/json" id="graphiql-options">([^<]*)<\/script>/.exec(html);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual({ title: 'FHIR <GraphQL> gateway', defaultQuery: QUERY });
  });

  it('serves every asset the page and its init script name, with its content type and a year-long immutable cache', async () => {
    const { urls } = await page();
    const base = urls[0]!.slice(0, urls[0]!.lastIndexOf('/') + 1);
    const expected: Record<string, string> = {
      'favicon.ico': 'image/x-icon',
      'graphiql.css': 'text/css; charset=utf-8',
      'init.js': 'text/javascript; charset=utf-8',
      'graphiql.js': 'text/javascript; charset=utf-8',
      'editor.worker.js': 'text/javascript; charset=utf-8',
      'json.worker.js': 'text/javascript; charset=utf-8',
      'graphql.worker.js': 'text/javascript; charset=utf-8',
    };
    const init = await (await get(`/${base}init.js`, {})).text();
    for (const worker of ['editor.worker.js', 'json.worker.js', 'graphql.worker.js']) expect(init).toContain(`'${worker}'`);
    for (const [name, type] of Object.entries(expected)) {
      const res = await get(`/${base}${name}`, {});
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toBe(type);
      expect(res.headers.get('cache-control'), name).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('content-encoding'), name).toBeNull();
      const body = new Uint8Array(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length')), name).toBe(body.byteLength);
      expect(body.byteLength, name).toBeGreaterThan(name === 'init.js' ? 200 : 10_000);
    }
    const js = await (await get(`/${base}graphiql.js`, {})).text();
    expect(js).toContain('renderYogaGraphiQL');
    const css = await (await get(`/${base}graphiql.css`, {})).text();
    expect(css).not.toMatch(/url\((?!["']?data:)/); // fonts and images are data: URLs, nothing to fetch elsewhere
  });

  it('sends an asset gzipped to a client that accepts it, and only headers to HEAD', async () => {
    const { urls } = await page();
    const jsUrl = `/${urls.find((u) => u.endsWith('/graphiql.js'))!}`;
    const plain = new Uint8Array(await (await get(jsUrl, {})).arrayBuffer());
    const res = await get(jsUrl, { 'accept-encoding': 'gzip, deflate, br' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    const zipped = new Uint8Array(await res.arrayBuffer());
    expect(zipped.byteLength).toBeLessThan(plain.byteLength / 2);
    expect(Buffer.compare(gunzipSync(zipped), plain)).toBe(0);
    expect((await get(jsUrl, { 'accept-encoding': 'gzip;q=0' })).headers.get('content-encoding')).toBeNull();
    const head = await get(jsUrl, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(plain.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers no other path under its folder: unknown files and other build ids are 404', async () => {
    const { urls } = await page();
    const base = urls[0]!.slice(0, urls[0]!.lastIndexOf('/') + 1);
    for (const path of [`/${base}package.json`, `/${base}../graphiql.js`, '/graphiql/0.0.0-deadbeef/graphiql.js', `/${base}init.js/x`, '/graphiql/']) {
      expect((await get(path, {})).status, path).toBe(404);
    }
  });

  it('addresses the assets from a trailing-slash page one level up', async () => {
    const { res, urls } = await page('/graphql/');
    expect(res.status).toBe(200);
    for (const url of urls) expect(url).toMatch(/^\.\.\/graphiql\//);
    expect((await get(new URL(urls[0]!, 'http://gateway.test/graphql/').pathname, {})).status).toBe(200);
  });

  it('keeps GET /graphql a GraphQL request for clients that do not ask for HTML', async () => {
    const res = await get('/graphql?query=%7Bhello%7D', { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ data: { hello: 'world' } });
    const post = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: BROWSER_ACCEPT },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(await post.json()).toEqual({ data: { hello: 'world' } });
  });

  it('follows yoga\'s endpoint: assets sit beside it', async () => {
    const api = yogaWith({ title: 'x' }, '/api/graphql');
    const res = await api.fetch('http://gateway.test/api/graphql', { headers: { accept: BROWSER_ACCEPT } });
    const html = await res.text();
    expect(res.status).toBe(200);
    const css = /href="(graphiql\/[^"]+\.css)"/.exec(html)![1]!;
    expect((await api.fetch(`http://gateway.test/api/${css}`)).status).toBe(200);
    expect((await api.fetch(`http://gateway.test/${css}`)).status).toBe(404);
    expect(JSON.parse(/id="graphiql-options">([^<]*)</.exec(html)![1]!)).toEqual({ title: 'x' }); // GraphiQL's welcome text
  });

  it('serves no page and no asset when disabled', async () => {
    const { urls } = await page();
    const off = yogaWith({ enabled: false, title: 'x' });
    const res = await off.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT } });
    expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await res.text()).not.toContain('<html');
    expect((await off.fetch(`http://gateway.test/${urls[0]!}`)).status).toBe(404);
  });
});
