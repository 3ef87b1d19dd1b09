import type { Plugin, YogaLogger } from 'graphql-yoga';
import { GraphiqlAssets, type GraphiqlAsset } from './graphiql-assets.ts';
import { GRAPHIQL_CSP, renderGraphiqlPage } from './graphiql-page.ts';
import { pathnameOf } from './request-meta.ts';

export interface UseGraphiqlOptions {
  /** Serve the page and its assets at all (default true); when false the plugin does nothing. */
  readonly enabled?: boolean;
  /** The GraphQL endpoint whose browser GETs get the page (default: yoga's graphqlEndpoint). */
  readonly endpoint?: string;
  readonly title?: string;
  /** The query the editor opens with (GraphiQL's welcome text when absent). */
  readonly defaultQuery?: string;
}

const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * GraphiQL served offline, in place of yoga's built-in one (which loads its code from a CDN; configure yoga with
 * `graphiql: false`). A browser GET of the endpoint (Accept includes text/html, as yoga decides) gets a small page
 * with a strict CSP; its files come from `<endpoint's folder>/graphiql/<build id>/` with year-long cache headers,
 * addressed relatively so that the page works behind any path prefix. The files are read on first use, never at
 * start-up (graphiql-assets.ts).
 */
export function useGraphiql(options: UseGraphiqlOptions = {}): Plugin {
  if (options.enabled === false) return {};
  const assets = new GraphiqlAssets();
  const page = { title: options.title ?? 'GraphiQL', defaultQuery: options.defaultQuery };
  let endpoint = options.endpoint ?? '/graphql';
  let logger: YogaLogger | undefined;
  const assetFolder = () => `${endpoint.slice(0, endpoint.lastIndexOf('/') + 1)}graphiql/`;

  return {
    onYogaInit({ yoga }) {
      if (options.endpoint === undefined) endpoint = yoga.graphqlEndpoint;
      logger = yoga.logger;
    },
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = pathnameOf(request.url); // not the hook's `url`: building it costs every request a URL parse
      if (request.method === 'GET' && (path === endpoint || path === `${endpoint}/`) && request.headers.get('accept')?.includes('text/html')) {
        // relative to the page's own URL: `/x/graphql` -> `graphiql/...`, `/x/graphql/` -> `../graphiql/...`
        const base = `${path.endsWith('/') ? '../' : ''}graphiql/${assets.buildId()}/`;
        return endResponse(
          new fetchAPI.Response(renderGraphiqlPage(page, base), {
            headers: {
              'content-type': 'text/html; charset=utf-8',
              'content-security-policy': GRAPHIQL_CSP,
              'cache-control': 'no-store',
              vary: 'Accept',
              'x-content-type-options': 'nosniff',
              'referrer-policy': 'no-referrer',
            },
          }),
        );
      }
      const folder = assetFolder();
      if (!path.startsWith(folder)) return;
      const [buildId, name, ...more] = path.slice(folder.length).split('/');
      if (buildId !== assets.buildId() || name === undefined || more.length > 0) return; // yoga answers 404
      return serveAsset(assets, name, request, fetchAPI, endResponse, logger);
    },
  };
}

async function serveAsset(
  assets: GraphiqlAssets, name: string, request: Request, fetchAPI: { Response: typeof Response },
  endResponse: (response: Response) => void, logger: YogaLogger | undefined,
): Promise<void> {
  let asset: GraphiqlAsset | undefined;
  try {
    asset = await assets.get(name);
  } catch (error) {
    logger?.error(`GraphiQL assets could not be loaded: ${(error as Error).message}`);
    return endResponse(new fetchAPI.Response('GraphiQL assets are unavailable', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
  }
  if (!asset) return; // yoga answers 404
  const gzip = acceptsGzip(request.headers.get('accept-encoding'));
  const body = gzip ? await asset.gzipped() : asset.body;
  endResponse(
    new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
      headers: {
        'content-type': asset.contentType,
        'content-length': String(body.byteLength),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        'cache-control': YEAR_IMMUTABLE,
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
        // governs what the editor workers may load (nothing but the gateway); ignored for scripts and styles
        'content-security-policy': GRAPHIQL_CSP,
      },
    }),
  );
}

function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding?.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
