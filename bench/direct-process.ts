// Child-process entry (forked by bench/processes.ts `startServing`): the hand-written direct client as a serving
// process, so that its CPU per query can be read from /proc like the gateway's and the Medplum peer's. node:http
// answers POST /graphql: the JSON body's `query` must be one of the scenarios' queries (s3–s5, for the patient id
// in argv[3]); it runs that scenario's `serveDirect` (bench/scenarios.ts: the gateway's REST requests, exactly, through undici.request over a keep-alive Agent with 16 connections, the gateway's default) and answers
// `{ "data": ... }` shaped as the GraphQL answer. No query language: the query string only picks the handler.
// Sends { ready: true, baseUrl } over IPC; exits when the parent disconnects.
import { createServer, type IncomingMessage } from 'node:http';
import { Agent, request } from 'undici';
import { coreScenarios, type FhirGet } from './scenarios.ts';
import { serveAsChild } from './child-server.ts';

const upstream = (process.argv[2] ?? '').replace(/\/+$/, '');
const patientId = process.argv[3] ?? 'pat-0001';
const agent = new Agent({ connections: 16, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

const get: FhirGet = async (pathOrUrl) => {
  const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${upstream}/${pathOrUrl}`;
  const res = await request(url, { dispatcher: agent, headers: { accept: 'application/fhir+json' } });
  if (res.statusCode !== 200) {
    const text = await res.body.text();
    throw new Error(`GET ${url} -> ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  return res.body.json();
};

const handlers = new Map(coreScenarios(patientId).flatMap((s) => (s.serveDirect ? [[s.query, s.serveDirect] as const] : [])));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"POST /graphql"}');
    return;
  }
  readBody(req)
    .then(async (text) => {
      const handler = handlers.get((JSON.parse(text) as { query?: string }).query ?? '');
      if (!handler) return { status: 400, body: { errors: [{ message: 'not one of the scenarios this process serves' }] } };
      return { status: 200, body: { data: await handler(get) } };
    })
    .then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    })
    .catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
      else res.destroy();
    });
});
serveAsChild(server, agent);
