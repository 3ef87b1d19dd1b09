// The load generator's HTTP client: undici.request over a keep-alive Agent (the same client library and
// call the gateway uses upstream), so that "direct" and "through the gateway" pay the same client costs.
// Every response body is read and parsed as JSON, as a real client would.
import { Agent, request } from 'undici';

export interface BenchClient {
  /** GET an absolute URL, 200 expected, parsed JSON. */
  getJson(url: string): Promise<unknown>;
  /** POST a GraphQL query; throws on a non-200 status or on `errors` in the response. */
  graphql(url: string, query: string): Promise<Record<string, unknown>>;
  /** POST a GraphQL query; the status and the parsed body whatever they are (throws only when the body is not JSON). */
  graphqlRaw(url: string, query: string): Promise<GraphqlAnswer>;
  close(): Promise<void>;
}

export interface GraphqlError {
  readonly message?: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: Record<string, unknown>;
}

export interface GraphqlAnswer {
  readonly status: number;
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: readonly GraphqlError[];
}

const REQUEST_TIMEOUT_MS = 30_000;

/** `headers`: sent with every request (e.g. `authorization` for a gateway that validates tokens). */
export function createClient(connections: number, headers: Readonly<Record<string, string>> = {}): BenchClient {
  const agent = new Agent({
    connections,
    keepAliveTimeout: 60_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
    connectTimeout: 5_000,
  });
  const post = (url: string, query: string) =>
    request(url, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify({ query }),
    });
  return {
    async getJson(url) {
      const res = await request(url, { dispatcher: agent, headers: { accept: 'application/fhir+json', ...headers } });
      if (res.statusCode !== 200) {
        const text = await res.body.text();
        throw new Error(`GET ${url} -> ${res.statusCode}: ${text.slice(0, 200)}`);
      }
      return res.body.json();
    },
    async graphqlRaw(url, query) {
      const res = await post(url, query);
      const text = await res.body.text();
      let json: { data?: Record<string, unknown> | null; errors?: GraphqlError[] };
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        throw new Error(`POST ${url} -> ${res.statusCode}, not JSON: ${text.slice(0, 300)}`);
      }
      return { status: res.statusCode, data: json.data, errors: json.errors ?? [] };
    },
    async graphql(url, query) {
      const res = await post(url, query);
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`POST ${url} -> ${res.statusCode}: ${text.slice(0, 300)}`);
      const json = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: unknown[] };
      if (json.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(json.errors).slice(0, 300)}`);
      if (!json.data) throw new Error('GraphQL response without data');
      return json.data;
    },
    close: () => agent.close(),
  };
}
