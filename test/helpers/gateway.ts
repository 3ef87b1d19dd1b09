// Starts the real gateway (config -> app -> node:http on 127.0.0.1, ephemeral port) in front of given
// upstream base URLs, and offers a tiny GraphQL-over-HTTP client that a test would write against it.
import type { YogaLogger } from 'graphql-yoga';
import { createApp, type App, type AppOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load-config.ts';

export interface GatewayHandle {
  readonly url: string;
  readonly app: App;
  /** POSTs to /graphql over a real socket. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, unknown>;
}

export interface StartGatewayOptions {
  /** Extra command-line arguments (e.g. limits through a config file are not needed: use env). */
  argv?: string[];
  /** Wait until every source answered /metadata (default true). */
  waitReady?: boolean;
  configFile?: object;
  /** Environment seen by the config (e.g. a key named by privateKeyEnv). */
  env?: Record<string, string>;
  /** The gateway's logger (default: yoga's console logger at the configured level), e.g. one that captures lines. */
  logger?: YogaLogger;
  /** Options of createApp beyond the config (e.g. `live`: graphql-ws timings). */
  appOptions?: AppOptions;
}

export async function startGateway(sources: Record<string, string>, opts: StartGatewayOptions = {}): Promise<GatewayHandle> {
  const argv = ['--host', '127.0.0.1', '--port', '0', '--log-level', process.env.GW_LOG ?? 'silent', ...(opts.argv ?? [])];
  // The audit trail in memory unless the test names a database: test files run in parallel processes.
  if (!argv.includes('--database-url') && opts.env?.['DATABASE_URL'] === undefined && !('storage' in (opts.configFile ?? {}))) argv.push('--database-url', ':memory:');
  for (const [id, baseUrl] of Object.entries(sources)) argv.push('--source', `${id}=${baseUrl}`);
  if (opts.configFile) argv.push('--config', '/virtual/gateway.json');
  const config = loadConfig({
    argv,
    env: opts.env ?? {},
    readFile: () => JSON.stringify(opts.configFile ?? {}),
  });
  const app = createApp(config, opts.logger, opts.appOptions);
  const url = await app.start();
  if (opts.waitReady ?? true) await app.whenReady();
  return {
    url,
    app,
    async gql<T>(query: string, variables?: Record<string, unknown>) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
      return { status: res.status, ...body };
    },
    stop: () => app.stop(),
  };
}
