/**
 * What `npm start` runs (through main.ts): reads the config, binds the port, starts the two embedded demo FHIR servers
 * when no source is configured (with demo.changes: notifying the gateway's own /hooks of their changes, and the
 * hospital's trickle of vital signs once the gateway listens), builds and starts the app, and stops it on SIGTERM/SIGINT.
 *
 * The port is bound first, before the demo servers start and before the schema is built: a port in use (or one the
 * user may not bind, or a host that is not this machine's) is one line on stderr and exit status 2, with nothing
 * started, and no other process can take the port while the gateway starts. Requests that reach the port during
 * start-up wait, and are answered by the pipeline once it exists.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Plugin, type YogaLogger } from 'graphql-yoga';
import { createApp, type App } from './app.ts';
import { ConfigError, HelpRequested, loadConfig, type Config } from './config/load-config.ts';

/** The port cannot be bound (in use, not allowed, not an address of this machine): exit status 2, one line. */
export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

export interface StartGatewayInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: yoga's console logger at the configured level. */
  readonly logger?: YogaLogger;
  /** Where `--demo-auth` keeps its signing key (default `.gateway/demo-auth-key.json` in the working directory). */
  readonly demoAuthKeyFile?: string;
}

export interface RunningGateway {
  /** `http://127.0.0.1:4000` (no trailing slash). */
  readonly url: string;
  readonly app: App;
  /** The config the app runs with (with the demo sources when none was configured). */
  readonly config: Config;
  readonly logger: YogaLogger;
  /** Stops the app, then the demo servers. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway as `npm start` does: config, port, demo sources (when none is configured), app. Throws
 * HelpRequested, ConfigError or ListenError before anything was started (nothing is left running on any failure).
 */
export async function startGateway(input: StartGatewayInput): Promise<RunningGateway> {
  let config = loadConfig({ argv: input.argv, env: input.env });
  const logger = input.logger ?? createLogger(config.logLevel === 'silent' ? 'error' : config.logLevel);

  const held: Array<[IncomingMessage, ServerResponse]> = [];
  const hold = (req: IncomingMessage, res: ServerResponse) => void held.push([req, res]);
  const server = createServer(hold);
  await bind(server, config.port, config.host);

  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0)) await stop().catch((e: unknown) => logger.error(`shutdown: ${(e as Error).message}`));
  };
  const closeServer = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  stoppers.push(closeServer);
  const root = loopbackRoot(config.host, (server.address() as AddressInfo).port);
  let startTrickle: () => void = () => undefined;
  try {
    if (config.sources.length === 0) {
      // Loaded only when needed: the demo pulls in Medplum's FHIR server and its definitions.
      const { startDemoSources } = await import('./demo/demo-sources.ts');
      // Checks defaultWriteSource against the demo sources' ids (loadConfig cannot: they do not exist yet).
      const demo = await startDemoSources(config, { gatewayRoot: root, warn: (message) => logger.warn(message) });
      stoppers.unshift(() => demo.stopTrickle()); // no write into a gateway that is stopping
      stoppers.push(() => demo.close());
      config = demo.config;
      startTrickle = () => demo.startTrickle();
      logger.info(`No source configured: ${demo.description}. Use --source ID=BASE_URL for real servers.`);
      if (demo.changes !== undefined) logger.info(demo.changes);
    }
    let publicRoutes: Plugin[] = [];
    if (config.demoAuth) {
      const { demoAuthKey, useDemoAuth, DEMO_AUTH_PATH } = await import('./demo/demo-auth.ts');
      const issuer = `${root}${DEMO_AUTH_PATH}`;
      publicRoutes = [useDemoAuth(await demoAuthKey(input.demoAuthKeyFile), issuer)];
      config = { ...config, auth: { issuer, audience: null, jwksUri: null, clockSkewS: 60, introspection: null } };
      logger.info(`--demo-auth: development issuer at ${issuer} (loopback only, never for production); make a token with \`npm run token -- --scope "user/*.rs"\``);
    }
    const app = createApp(config, logger, { server, publicRoutes });
    if (config.auth === null) {
      logger.warn(
        'No auth configured: the gateway runs OPEN — whoever reaches it reads and writes every patient of every source. ' +
        'Configure SMART on FHIR token validation with --auth-issuer URL (or "auth" in the config file).',
      );
    }
    stoppers[stoppers.indexOf(closeServer)] = () => app.stop(); // closes the server too
    server.off('request', hold);
    releaseStartupGarbageWhenIdle(server, logger);
    for (const [req, res] of held.splice(0)) server.emit('request', req, res);
    const url = await app.start();
    startTrickle();
    return { url, app, config, logger, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Building the full R4 schema allocates ~100 MB that is garbage once the schema exists, and V8 keeps the freed pages
 * for reuse instead of returning them (its memory reducer does not run on a process that merely waits), so an idle
 * gateway would hold ~320 MB of RSS for ~135 MB of live memory. With `--expose-gc` (the start script sets it) one
 * memory-reducing full collection returns them to the OS. It takes ~0.4 s on the 2-core benchmark machine, so it is
 * not in the way of starting: it runs once the gateway has answered everything it was asked and then been idle for
 * STARTUP_GC_IDLE_MS (right after start, or after the first burst of requests). Without the flag (tests, embedders)
 * nothing happens.
 */
const STARTUP_GC_IDLE_MS = 500;

function releaseStartupGarbageWhenIdle(server: Server, logger: YogaLogger): void {
  const gc = (globalThis as { gc?: (options?: { type: string; execution: string; flavor: string }) => unknown }).gc;
  if (typeof gc !== 'function') return;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    if (inFlight > 0) return;
    server.off('request', onRequest);
    const t0 = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    logger.debug(`startup garbage released in ${Math.round(performance.now() - t0)} ms`);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(run, STARTUP_GC_IDLE_MS).unref();
  };
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    clearTimeout(timer);
    res.once('close', () => {
      if (--inFlight === 0) arm();
    });
  };
  server.on('request', onRequest);
  arm();
}

/**
 * `http://host:port` of the gateway as this process reaches it: the bound host, or loopback for a wildcard one
 * (`0.0.0.0`, `::`). --demo-auth's issuer and the demo sources' Subscriptions use it.
 */
function loopbackRoot(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host.replace(/^\[(.*)\]$/, '$1');
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Listens, or throws a ListenError saying in one line why not. */
async function bind(server: Server, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new ListenError(listenProblem(error as NodeJS.ErrnoException, port, host));
  }
}

function listenProblem(error: NodeJS.ErrnoException, port: number, host: string): string {
  const change = 'choose another with --port N or PORT (0 = any free port)';
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is in use: another process is listening there; stop it, or ${change}`;
    case 'EACCES':
      return `port ${port} on ${host} may not be used by this user (ports below 1024 need privileges): ${change}`;
    case 'EADDRNOTAVAIL':
      return `host ${host} is not an address of this machine: choose another with --host H or HOST (0.0.0.0 = every interface)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${host} does not resolve to an address: choose another with --host H or HOST`;
    default:
      return `cannot listen on port ${port} on ${host}: ${error.code ?? error.message}`;
  }
}

/**
 * The process around startGateway: help to stdout (exit 0), configuration and port problems to stderr as they are
 * (exit 2), the log line that says where the gateway listens, and a clean stop on SIGTERM/SIGINT.
 */
export async function runGateway(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({ argv, env });
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(error.usage);
      process.exit(0);
    }
    if (error instanceof ConfigError || error instanceof ListenError) {
      process.stderr.write(error.message + '\n');
      process.exit(2);
    }
    throw error;
  }
  const { url, config, logger } = gateway;
  logger.info(
    `FHIR GraphQL gateway listening on ${url}/graphql, FHIR REST and $graphql on ${url}/fhir (sources: ${config.sources.map((s) => `${s.id}=${s.baseUrl}`).join(', ')}) ` +
      `- ready to serve ${Math.round(process.uptime() * 1000)} ms after process start`,
  );

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await gateway.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
