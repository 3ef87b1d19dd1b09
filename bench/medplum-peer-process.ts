// Child-process entry (forked by bench/processes.ts `startServing`): Medplum's own GraphQL engine as a peer of the
// gateway. node:http answers POST /graphql with @medplum/fhir-router's GraphQL handler (FhirRouter's `$graphql`
// route, as Medplum's server runs it) over a REST-backed repository (bench/rest-repository.ts) that reads from the
// same upstream over HTTP (undici, keep-alive, 16 connections: the gateway's default). Medplum's FHIR R4 type and
// search-parameter definitions are indexed first (src/demo/fhir-definitions.ts), and its GraphQL schema is built
// before 'ready' is sent.
//   POST /graphql            graphqlBatchedSearchSize = argv[3] (bench: 100): reverse references of sibling parents
//                            go to the repository's searchByReference, one batched search per type
//   POST /graphql-unbatched  graphqlBatchedSearchSize 0, Medplum server's default: one search per parent and field
// The answer is the engine's ExecutionResult as JSON (Medplum's server sends it with res.json). Sends
// { ready: true, baseUrl } over IPC; { op: 'stats' } -> { stats: { upstreamRequests } }; exits when the parent
// disconnects.
import { FhirRouter } from '@medplum/fhir-router';
import { createServer, type IncomingMessage } from 'node:http';
import { Agent } from 'undici';
import { ensureFhirDefinitions } from '../src/demo/fhir-definitions.ts';
import { RestRepository } from './rest-repository.ts';
import { serveAsChild } from './child-server.ts';

const upstream = process.argv[2] ?? '';
const batchedSearchSize = Number(process.argv[3] ?? '100');
const agent = new Agent({ connections: 16, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

ensureFhirDefinitions();
const router = new FhirRouter();
const stats = { upstreamRequests: 0 };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function graphql(body: unknown, batchSize: number): Promise<{ status: number; json: unknown }> {
  // One repository per request, as Medplum's server makes one per request (its DataLoaders live in the handler).
  const repo = new RestRepository(upstream, agent);
  const [outcome, result] = await router.handleRequest(
    { method: 'POST', url: '$graphql', pathname: '', body, params: {}, query: {}, config: { graphqlBatchedSearchSize: batchSize } },
    repo,
  );
  stats.upstreamRequests += repo.stats.requests;
  const ok = outcome.issue?.every((i) => i.severity !== 'error') ?? true;
  return ok ? { status: 200, json: result } : { status: 400, json: outcome };
}

const server = createServer((req, res) => {
  const path = req.url ?? '/';
  const batchSize = path === '/graphql' ? batchedSearchSize : path === '/graphql-unbatched' ? 0 : undefined;
  if (req.method !== 'POST' || batchSize === undefined) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"POST /graphql or /graphql-unbatched"}');
    return;
  }
  readBody(req)
    .then((text) => graphql(JSON.parse(text), batchSize))
    .then(({ status, json }) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    })
    .catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
      else res.destroy();
    });
});

// Build the schema now (Medplum builds it on the first request: several seconds for all of R4), without the upstream.
await graphql({ query: '{ __typename }' }, 0);
serveAsChild(server, agent);
process.on('message', (msg: { op?: string }) => {
  if (msg.op === 'stats') process.send?.({ stats: { ...stats } });
});
