import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { GRAPHIQL_INIT_SCRIPT } from './graphiql-page.ts';

type Bytes = Uint8Array<ArrayBuffer>;
const PACKAGE = '@graphql-yoga/render-graphiql';

/** One file GraphiQL needs, ready to send. */
export interface GraphiqlAsset {
  readonly contentType: string;
  readonly body: Bytes;
  /** The gzip encoding of body, made once on first demand (off the event loop: zlib's thread pool). */
  gzipped(): Promise<Bytes>;
}

/** The file names the page and the init script refer to (see graphiql-page.ts). */
export const ASSET_NAMES = ['graphiql.js', 'graphiql.css', 'init.js', 'favicon.ico', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

const JS = 'text/javascript; charset=utf-8';

/**
 * GraphiQL's files, from `@graphql-yoga/render-graphiql` (the build of `@graphql-yoga/graphiql` that yoga's own
 * renderer inlines into one page: the UMD bundle with React, GraphiQL and Monaco, its CSS with fonts and images as
 * data: URLs, Monaco's three editor workers, the favicon), served here as separate files so that the page stays
 * small and its CSP needs no inline script. That package depends on nothing but graphql-yoga; `@graphql-yoga/graphiql`
 * itself has the same files but pulls React, GraphiQL, Monaco and a second graphql (~180 packages) into production.
 *
 * Nothing is read at start-up: the build id (for the asset URLs) is computed on the first page, and the 9 MB module
 * is imported on the first asset request (~0.1 s once), then kept with the files as buffers (and their gzip forms,
 * made on first demand): about 45 MB more RSS from the first GraphiQL visit on, none for a gateway nobody opens it on.
 */
export class GraphiqlAssets {
  #buildId: string | undefined;
  #assets: Promise<ReadonlyMap<AssetName, GraphiqlAsset>> | undefined;

  /** Changes when the package or our init script change, so that the assets can be cached for a year. */
  buildId(): string {
    if (this.#buildId === undefined) {
      const require = createRequire(import.meta.url);
      const { version } = require(`${PACKAGE}/package.json`) as { version: string };
      this.#buildId = `${version}-${createHash('sha256').update(GRAPHIQL_INIT_SCRIPT).digest('hex').slice(0, 8)}`;
    }
    return this.#buildId;
  }

  get(name: string): Promise<GraphiqlAsset | undefined> {
    if (!(ASSET_NAMES as readonly string[]).includes(name)) return Promise.resolve(undefined);
    this.#assets ??= loadAssets().catch((error: unknown) => {
      this.#assets = undefined; // try again on the next request
      throw error;
    });
    return this.#assets.then((assets) => assets.get(name as AssetName));
  }
}

async function loadAssets(): Promise<ReadonlyMap<AssetName, GraphiqlAsset>> {
  const files = await import('@graphql-yoga/render-graphiql/graphiql');
  const text: Record<AssetName, [string, string | Bytes]> = {
    'graphiql.js': [JS, files.js],
    'graphiql.css': ['text/css; charset=utf-8', files.css],
    'init.js': [JS, GRAPHIQL_INIT_SCRIPT],
    'favicon.ico': ['image/x-icon', fromDataUrl(files.favicon)],
    'editor.worker.js': [JS, files.editorWorkerService],
    'json.worker.js': [JS, files.jsonWorker],
    'graphql.worker.js': [JS, files.graphqlWorker],
  };
  return new Map(ASSET_NAMES.map((name) => [name, asset(...text[name])]));
}

function asset(contentType: string, content: string | Bytes): GraphiqlAsset {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let gzipped: Promise<Bytes> | undefined;
  return { contentType, body, gzipped: () => (gzipped ??= gzipOf(body)) };
}

async function gzipOf(body: Bytes): Promise<Bytes> {
  const { gzip } = await import('node:zlib');
  return new Promise((resolve, reject) => gzip(body, (error, result) => (error ? reject(error) : resolve(result as Bytes))));
}

/** The favicon ships as a base64 data: URL; served as a file, it needs no `data:` in img-src for itself. */
function fromDataUrl(url: string): Bytes {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || !url.slice(0, comma).endsWith(';base64')) throw new Error(`${PACKAGE}: unexpected favicon`);
  return Buffer.from(url.slice(comma + 1), 'base64');
}
