/**
 * The bus between replicas over PostgreSQL itself: after a commit, `NOTIFY` on a channel of the log's database and
 * schema with the new head; each gateway LISTENs on a connection of its own (not the pool's: a pooled connection
 * would be handed to queries and lose its LISTEN), and reconnects, with backoff, when that connection is lost. A
 * notification only says "look": the log stays the truth, and the feed's poll covers whatever is lost.
 */
import { createHash, randomUUID } from 'node:crypto';
import { parseDatabaseUrl, scrub } from '../db/database-url.ts';
import { PgClient, quoteIdentifier } from '../db/pg-pool.ts';
import { busMessage, fromAnother, type ChangeBus } from './change-bus.ts';

export interface PgNotifyBusOptions {
  /** Where to tell of the connection's loss and return (never with the password). */
  readonly log?: (level: 'info' | 'warn', message: string) => void;
  /** Wait before the first reconnect, doubled up to `maxReconnectMs` (defaults 100 and 5,000 ms). */
  readonly minReconnectMs?: number;
  readonly maxReconnectMs?: number;
}

type Client = InstanceType<typeof PgClient>;

/**
 * The channel of one change log: the same for every gateway on the same database and schema, whatever host name or
 * user its URL has; another schema (another deployment, a test) has its own.
 */
export async function channelOf(client: Client, schema: string | undefined): Promise<string> {
  const { rows } = await client.query<{ db: string; schema: string | null }>('select current_database() as db, current_schema() as schema');
  const where = `${rows[0]!.db}\0${schema ?? rows[0]!.schema ?? ''}`;
  return `gw_changes_${createHash('sha256').update(where).digest('hex').slice(0, 24)}`;
}

/** A LISTEN/NOTIFY bus over the PostgreSQL database `url` names (the storage URL). */
export function pgNotifyBus(url: string, options: PgNotifyBusOptions = {}): ChangeBus & { readonly connected: boolean } {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'postgres') throw new Error('the LISTEN/NOTIFY bus needs a PostgreSQL database');
  const log = options.log ?? (() => undefined);
  const minMs = options.minReconnectMs ?? 100;
  const maxMs = options.maxReconnectMs ?? 5_000;
  const instance = randomUUID();
  let news: () => void = () => undefined;
  let client: Client | undefined;
  let channel: string | undefined;
  let closed = false;
  let retryMs = minMs;
  let retry: NodeJS.Timeout | undefined;
  let lostSince: number | undefined;

  const reconnectLater = () => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(maxMs, retryMs * 2);
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c: Client = new PgClient({
      connectionString: target.connectionString,
      application_name: `fhir-graphql-gateway changes ${instance.slice(0, 8)}`,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.end().catch(() => undefined);
      if (closed) return;
      if (lostSince === undefined) {
        lostSince = Date.now();
        const why = error === undefined ? 'it was closed' : scrub(error.message, target.secrets);
        log('warn', `live updates: the LISTEN connection to ${target.redacted} was lost (${why}); reconnecting (other replicas' events arrive by the poll meanwhile)`);
      }
      reconnectLater();
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined && fromAnother(instance, n.payload)) news();
    });
    try {
      await c.connect();
      const listening = await channelOf(c, target.schema);
      await c.query(`listen ${quoteIdentifier(listening)}`);
      if (closed || lost) {
        await c.end().catch(() => undefined);
        return;
      }
      channel = listening;
      client = c;
      retryMs = minMs;
      if (lostSince !== undefined) log('info', `live updates: listening again on ${target.redacted} after ${Date.now() - lostSince} ms`);
      lostSince = undefined;
      news(); // what was announced while nobody listened is in the log
    } catch (error) {
      onLost(error as Error);
    }
  };

  return {
    description: `PostgreSQL LISTEN/NOTIFY on ${target.redacted}`,
    get connected() {
      return client !== undefined;
    },
    listen(onNews) {
      news = onNews;
      void connect();
    },
    announce(head) {
      if (client === undefined || channel === undefined) return; // the others' polls will see it
      client.query('select pg_notify($1, $2)', [channel, busMessage(instance, head)]).catch(() => undefined);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
