/**
 * What `npm start` runs (through main.ts): reads the config, starts the two embedded demo FHIR servers when no
 * source is configured, builds and starts the app, and stops it on SIGTERM/SIGINT.
 */
import { createLogger } from 'graphql-yoga';
import { createApp } from './app.ts';
import { ConfigError, HelpRequested, loadConfig, type Config } from './config/load-config.ts';

/** Help goes to stdout (exit 0), configuration problems to stderr (exit 2); anything else is thrown on. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof HelpRequested) {
    process.stdout.write(error.usage);
    process.exit(0);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(error.message + '\n');
    process.exit(2);
  }
  throw error;
}

let config: Config;
try {
  config = loadConfig({ argv: process.argv.slice(2), env: process.env });
} catch (error) {
  exitOnConfigError(error);
}

const logger = createLogger(config.logLevel === 'silent' ? 'error' : config.logLevel);
const stoppers: Array<() => Promise<void>> = [];

if (config.sources.length === 0) {
  // Loaded only when needed: the demo pulls in Medplum's FHIR server and its definitions.
  const { startDemoSources } = await import('./demo/demo-sources.ts');
  // Checks defaultWriteSource against the demo sources' ids (loadConfig cannot: they do not exist yet).
  const demo = await startDemoSources(config).catch(exitOnConfigError);
  stoppers.push(() => demo.close());
  config = demo.config;
  logger.info(`No source configured: ${demo.description}. Use --source ID=BASE_URL for real servers.`);
}

const app = createApp(config, logger);
const url = await app.start();
stoppers.unshift(() => app.stop());
logger.info(
  `FHIR GraphQL gateway listening on ${url}/graphql, FHIR REST and $graphql on ${url}/fhir (sources: ${config.sources.map((s) => `${s.id}=${s.baseUrl}`).join(', ')}) ` +
    `- ready to serve ${Math.round(process.uptime() * 1000)} ms after process start`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  for (const stop of stoppers) await stop().catch((e: unknown) => logger.error(`shutdown: ${(e as Error).message}`));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
