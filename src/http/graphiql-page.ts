/**
 * The GraphiQL page: a small HTML document that loads everything from the gateway (graphiql-assets.ts) and runs no
 * inline script, so that its Content-Security-Policy can say `script-src 'self'`. The options travel as a JSON data
 * block, which the browser never executes; the served init.js reads them and starts GraphiQL.
 *
 * Why each directive:
 * - `style-src 'unsafe-inline'`: Monaco adds <style> elements at run time and React sets style attributes;
 * - `img-src data:` / `font-src data:`: GraphiQL's CSS carries its fonts and icons as data: URLs;
 * - `worker-src 'self'`: Monaco's editor workers are served files (init.js gives their same-origin URLs, which
 *   Monaco starts as module workers directly, without the blob: URLs yoga's own page uses);
 * - `connect-src 'self'`: queries, introspection and subscriptions (SSE) go to the endpoint the page came from.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "manifest-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** What the page prefills. */
export interface GraphiqlPageOptions {
  readonly title: string;
  readonly defaultQuery?: string;
}

/**
 * `assetBase` is where the page finds its files relative to its own URL (e.g. `graphiql/5.24.1-ab12cd34/`), so the
 * page works under whatever path prefix a proxy puts in front of the gateway.
 */
export function renderGraphiqlPage(options: GraphiqlPageOptions, assetBase: string): string {
  const title = escapeHtml(options.title);
  const base = escapeHtml(assetBase);
  // GraphiQL's own option names (yoga's GraphiQLOptions); no endpoint: GraphiQL then posts to the page's own path.
  const data = JSON.stringify({ title: options.title, ...(options.defaultQuery !== undefined ? { defaultQuery: options.defaultQuery } : {}) }).replace(/[<>&\u2028\u2029]/g, jsonEscape);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="${base}favicon.ico">
<link rel="stylesheet" href="${base}graphiql.css">
<script type="application/json" id="graphiql-options">${data}</script>
<script defer src="${base}init.js"></script>
<script defer src="${base}graphiql.js"></script>
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run GraphiQL.</noscript>
<div id="root">Loading ${title}...</div>
</body>
</html>
`;
}

/**
 * Runs before the GraphiQL bundle (both scripts are deferred, so they run in order, then DOMContentLoaded fires):
 * tells Monaco where its workers are (beside this file) before the bundle loads it, then renders GraphiQL.
 */
export const GRAPHIQL_INIT_SCRIPT = `(function () {
  'use strict';
  var here = document.currentScript.src;
  var workers = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (moduleId, label) {
      var file = Object.prototype.hasOwnProperty.call(workers, label) ? workers[label] : workers.editorWorkerService;
      return new URL(file, here).href;
    }
  };
  document.addEventListener('DOMContentLoaded', function () {
    var root = document.getElementById('root');
    if (typeof YogaGraphiQL === 'undefined') {
      root.textContent = 'GraphiQL could not be loaded from ' + new URL('graphiql.js', here).href;
      return;
    }
    var options = JSON.parse(document.getElementById('graphiql-options').textContent);
    YogaGraphiQL.renderYogaGraphiQL(root, options);
  });
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function jsonEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
