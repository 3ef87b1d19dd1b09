// Child-process entry (forked by bench/processes.ts): a bare pass-through HTTP proxy in front of the upstream —
// node:http in, undici.request out (keep-alive), body piped back. No parsing, no GraphQL. It measures what one
// extra process hop on 127.0.0.1 costs on this machine, the floor under the gateway's added latency.
// Sends { ready: true, baseUrl } over IPC; exits when the parent disconnects.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { serveAsChild } from './child-server.ts';

const upstream = process.argv[2] ?? '';
const agent = new Agent({ connections: 16, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

const server = createServer((req, res) => {
  request(upstream + (req.url ?? '/'), { dispatcher: agent, method: 'GET', headers: { accept: req.headers.accept ?? 'application/fhir+json' } })
    .then(async (up) => {
      const contentType = up.headers['content-type'];
      res.writeHead(up.statusCode, typeof contentType === 'string' ? { 'content-type': contentType } : {});
      await pipeline(up.body, res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
});
serveAsChild(server, agent);
