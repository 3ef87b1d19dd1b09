import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import { CloseCode, type ServerOptions, type SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { isAsyncIterable, type YogaLogger } from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { Config } from '../config/config.types.ts';
import { ANONYMOUS, sharedViewer } from '../fhir/viewer.ts';
import type { GatewayYoga } from '../http/create-yoga.ts';
import { envelopeRegistry } from '../http/enveloped-operation.ts';
import { formatError, formatResult } from '../http/formatted-result.ts';
import { requestIdOf, trailOf } from '../http/request-meta.ts';
import { corsOriginAllowed } from '../http/use-cors.ts';
import { publicRootDecider } from '../http/use-public-root.ts';
import { authenticateConnection } from './connection-auth.ts';
import { shareKey } from './share-key.ts';
import { SubscriptionGroups, type Backlog, type GroupStream, type StartGroup } from './subscription-groups.ts';
import { sharedPayload, SharedPayloadSocket } from './shared-payload.ts';
import { checkUpgrade, refuseUpgrade } from './upgrade-check.ts';
import { wsAuditor, type AuditDeps } from './ws-audit.ts';
import { prepareOperation, type ConnectionInfo, type WsOperation } from './ws-operation.ts';

/** Close codes of our own, beside graphql-ws's (4400 4401 4403 4406 4408 4409 4429 4500). */
export const WS_CLOSE = Object.freeze({
  /** The connection's bearer token expired (reason "token expired"); reconnect with a fresh token and `_since`. */
  TOKEN_EXPIRED: CloseCode.Forbidden,
  /** Tokens cannot be checked right now (the issuer unreachable; HTTP answers 503): RFC 6455 "Try Again Later". */
  AUTH_UNAVAILABLE: 1013,
  /** The gateway is stopping. */
  GOING_AWAY: 1001,
  /**
   * The client fell too far behind (reason "too far behind"): more results waited for it than its connection's backlog
   * holds (`maxBacklog`). Reconnect and resubscribe with `_since` set to the last eventNumber received: nothing is lost.
   * graphql-ws's client retries it (it is not one of its fatal codes).
   */
  TOO_FAR_BEHIND: 4413,
  /** A result could not be recorded in the audit trail (strict durability; HTTP answers 503). */
  AUDIT_UNAVAILABLE: 1011,
});

export interface LiveTransportOptions {
  /** How long a socket may wait before `connection_init` (default 3000 ms, then close 4408). */
  readonly connectionInitWaitTimeoutMs?: number;
  /** WebSocket ping frame interval; a peer that does not pong within it is dropped (default 12000 ms; 0 = off). */
  readonly keepAliveMs?: number;
  /**
   * Results a connection's subscriptions may hold undelivered between them (each a reference to a result shared with
   * the other subscribers); one more closes the connection 4413 "too far behind". Default `limits.maxSubscriptionBacklog`.
   */
  readonly maxBacklog?: number;
}

export interface GraphqlWsDeps extends LiveTransportOptions {
  readonly yoga: GatewayYoga;
  readonly config: Config;
  /** null when `auth` is not configured (connections are anonymous, as HTTP requests are). */
  readonly verifier: TokenVerifier | null;
  readonly audit: AuditDeps;
  readonly logger: YogaLogger;
  /** The GraphQL endpoint (`/graphql`) and the FHIR base path (`/fhir`: the default token audience is under it). */
  readonly graphqlEndpoint: string;
  readonly fhirBasePath: string;
}

export interface GraphqlWsTransport {
  /** Open WebSocket connections. */
  readonly connections: () => number;
  /** Subscription streams running, each shared by the subscribers of one operation and authorization. */
  readonly groups: () => number;
  /** Subscribers of those streams. */
  readonly subscriptions: () => number;
  /** Closes every connection (1001), then stops accepting upgrades. */
  close(): Promise<void>;
}

interface Connection {
  readonly id: string;
  readonly url: string;
  readonly publicRoot: string;
  readonly peer: string | undefined;
  readonly userAgent: string | undefined;
  /** Dropped once used at connection_init. */
  authorization: string | undefined;
  /** What its subscriptions hold undelivered. */
  backlog?: Backlog;
  info?: ConnectionInfo;
  /** When the token expires (epoch ms), for a token viewer. */
  expiresAtMs?: number;
  expiry?: NodeJS.Timeout;
  /**
   * Its operations, by the payload object of their `subscribe` message (graphql-ws hands the same object to every
   * hook of one operation): an id is free again once its operation completed, so ids do not name operations for long.
   */
  readonly operations: Map<object, Operation>;
}

/** What a connection keeps of an operation while it runs (a subscription's execution is its group's). */
type Operation = Pick<WsOperation, 'request' | 'end'>;

const MAX_DELAY_MS = 2_147_483_647;
const DEFAULT_INIT_WAIT_MS = 3_000;
const DEFAULT_KEEP_ALIVE_MS = 12_000;
const CLOSE_GRACE_MS = 1_000;

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, graphql-ws's server) on the gateway's own HTTP server, port and path
 * (`ws://host:port/graphql`). Every operation runs through the one pipeline's envelop (ws-operation.ts) and its results
 * are written as HTTP writes them (formatted-result.ts). Protocol rules are graphql-ws's: no `connection_init` within
 * the wait → 4408, a second one → 4429, `subscribe` before the ack → 4401, an operation id in use → 4409,
 * `ping` → `pong`; WebSocket ping frames keep idle connections alive. With `auth` configured the connection's Viewer is
 * decided at `connection_init` (connection-auth.ts): a missing or bad token closes it 4403 "Forbidden"; the token's
 * expiry closes it 4403 "token expired", and no result is sent at or after `exp`.
 */
export function attachGraphqlWs(server: Server, deps: GraphqlWsDeps): GraphqlWsTransport {
  const { yoga, config, logger } = deps;
  const log = (message: string) => logger.error(message);
  const auditor = wsAuditor(deps.audit, log);
  const envelopes = envelopeRegistry();
  const groups = new SubscriptionGroups(log);
  /** A subscription's group, by the stand-in context its ExecutionArgs carry (the member runs no execution of its own). */
  const subscriptions = new WeakMap<object, { readonly key: string | undefined; readonly start: StartGroup; readonly backlog: Backlog }>();
  /**
   * A shared result as sent, formatted and serialised once for all the group's members (results with errors are
   * formatted per member: their log lines carry its request id).
   */
  const formatted = new WeakMap<ExecutionResult, object>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes, WebSocket: SharedPayloadSocket });
  const connections = new WeakMap<WebSocket, Connection>();
  const originAllowed = corsOriginAllowed({ origins: config.cors.origins });
  const decideRoot = publicRootDecider({ publicBaseUrl: config.publicBaseUrl, trustedProxies: config.trustedProxies });
  const rootOf = (req: IncomingMessage) => decideRoot(new Request(`http://${req.headers.host || 'localhost'}${req.url ?? '/'}`, { headers: headersOf(req) }), req.socket.remoteAddress);

  const onUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const decision = checkUpgrade(req, { path: deps.graphqlEndpoint, originAllowed, publicRoot: rootOf });
    if (decision.refuse !== undefined) {
      logger.debug(`ws upgrade refused ${decision.refuse}: ${decision.why}`);
      return refuseUpgrade(socket, decision.refuse);
    }
    const publicRoot = rootOf(req);
    const connection: Connection = {
      id: randomUUID(),
      url: `http://${req.headers.host || 'localhost'}${deps.graphqlEndpoint}`,
      publicRoot,
      peer: req.socket.remoteAddress,
      userAgent: req.headers['user-agent'],
      authorization: req.headers.authorization,
      operations: new Map(),
    };
    wss.handleUpgrade(req, socket, head, (ws) => {
      connection.backlog = {
        queued: 0,
        max: deps.maxBacklog ?? config.limits.maxSubscriptionBacklog,
        overflow: () => {
          logger.debug(`ws ${connection.id} closed: too far behind`);
          ws.close(WS_CLOSE.TOO_FAR_BEHIND, 'too far behind');
        },
      };
      connections.set(ws, connection);
      wss.emit('connection', ws, req);
    });
  };
  server.on('upgrade', onUpgrade);

  /**
   * A group's stream: the operation prepared and subscribed through the pipeline as a request of its own (its own id
   * and abort signal; the members' shared authorization, without identity or expiry: sharedViewer), so that no
   * member's leaving, expiry or abort ends it for the others.
   */
  const startGroup = async (payload: SubscribePayload, info: ConnectionInfo): Promise<GroupStream | ExecutionResult> => {
    const group = await prepareOperation(yoga, { ...info, viewer: sharedViewer(info.viewer), userAgent: undefined }, payload, config.limits.maxJsonDepth);
    if ('errors' in group.prepared) return { errors: [...group.prepared.errors] };
    const { enveloped, args } = group.prepared;
    const results = await enveloped.subscribe(args);
    if (!isAsyncIterable(results)) {
      group.end();
      return results as ExecutionResult;
    }
    logger.debug(`ws subscription group started request=${requestIdOf(group.request)}`);
    return { results: results as AsyncIterable<ExecutionResult>, takeAccesses: () => trailOf(group.request).take(), end: group.end };
  };

  const closeAt = (ws: WebSocket, connection: Connection, expiresAtMs: number) => {
    const arm = () => {
      const left = expiresAtMs - Date.now();
      if (left <= 0) return ws.close(WS_CLOSE.TOKEN_EXPIRED, 'token expired');
      connection.expiry = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
    };
    arm();
  };
  const expired = (ws: WebSocket, connection: Connection) => {
    if (connection.expiresAtMs === undefined || Date.now() < connection.expiresAtMs) return false;
    ws.close(WS_CLOSE.TOKEN_EXPIRED, 'token expired');
    return true;
  };
  const endOperation = (connection: Connection, key: object) => {
    connection.operations.get(key)?.end();
    connection.operations.delete(key);
  };

  const options: ServerOptions<Record<string, unknown>, Extra> = {
    connectionInitWaitTimeout: deps.connectionInitWaitTimeoutMs ?? DEFAULT_INIT_WAIT_MS,
    async onConnect(ctx) {
      const ws = ctx.extra.socket;
      const connection = connections.get(ws)!;
      const authorization = connection.authorization;
      connection.authorization = undefined;
      const audience = config.auth?.audience ?? `${connection.publicRoot}${deps.fhirBasePath}`;
      const auth = await authenticateConnection(ctx.connectionParams, authorization, { verifier: deps.verifier, audience });
      if (!auth.ok) {
        if (auth.failure.kind === 'unavailable') {
          log(`token validation unavailable (ws connection ${connection.id}): ${auth.failure.message}`);
          ws.close(WS_CLOSE.AUTH_UNAVAILABLE, 'token validation unavailable');
          return false;
        }
        logger.debug(`ws connection ${connection.id} refused: ${auth.failure.message}`);
        auditor.refused(connection.id, ANONYMOUS, connection.peer);
        return false; // graphql-ws closes 4403 Forbidden
      }
      const viewer = auth.viewer;
      connection.info = { url: connection.url, publicRoot: connection.publicRoot, viewer, userAgent: connection.userAgent };
      if (viewer.kind === 'token') {
        connection.expiresAtMs = viewer.expiresAt * 1000;
        if (expired(ws, connection)) return false;
        closeAt(ws, connection, connection.expiresAtMs);
      }
      return true;
    },
    async onSubscribe(ctx, id, payload) {
      const connection = connections.get(ctx.extra.socket)!;
      if (expired(ctx.extra.socket, connection)) return [new GraphQLError('token expired')]; // closing: nothing is sent
      const info = connection.info!;
      const operation = await prepareOperation(yoga, info, payload, config.limits.maxJsonDepth);
      // Registered even when the client completed it meanwhile: graphql-ws then runs nothing more of it, and its
      // onComplete (onError for errors) ends it here.
      connection.operations.set(payload, { request: operation.request, end: operation.end });
      if ('errors' in operation.prepared) return [...operation.prepared.errors];
      const { args } = operation.prepared;
      if (!isSubscription(args)) return envelopes.remember(operation.prepared);
      // A subscription joins the stream of its group (or starts one): its own context is not kept.
      const stand = {};
      subscriptions.set(stand, {
        key: shareKey(args.document, payload, info.viewer, info.publicRoot),
        start: () => startGroup(payload, info),
        backlog: connection.backlog!,
      });
      return { ...args, contextValue: stand };
    },
    execute: (args) => envelopes.of(args.contextValue).execute(args) as never,
    subscribe: (args) => {
      const member = subscriptions.get(args.contextValue as object);
      if (member === undefined) return envelopes.of(args.contextValue).subscribe(args) as never;
      return groups.join(member.key, member.start, member.backlog) as never;
    },
    async onNext(ctx, _id, payload, _args, result) {
      const ws = ctx.extra.socket;
      const connection = connections.get(ws)!;
      if (expired(ws, connection)) return undefined; // closed: graphql-ws sends nothing more
      const operation = connection.operations.get(payload);
      if (operation === undefined) return formatResult(result, new Request(connection.url), logger);
      const shared = groups.accessesOf(result as ExecutionResult);
      if (!(await auditor.delivered(operation.request, connection.peer, shared))) {
        ws.close(WS_CLOSE.AUDIT_UNAVAILABLE, 'audit trail unavailable');
        return undefined;
      }
      if (expired(ws, connection)) return undefined;
      if (shared === undefined || result.errors !== undefined) return formatResult(result as ExecutionResult, operation.request, logger);
      let sent = formatted.get(result as ExecutionResult);
      if (sent === undefined) formatted.set(result as ExecutionResult, (sent = sharedPayload(JSON.stringify(formatResult(result as ExecutionResult, operation.request, logger)))));
      return sent as FormattedExecutionResult;
    },
    onError(ctx, _id, payload, errors) {
      const connection = connections.get(ctx.extra.socket);
      const request = connection?.operations.get(payload)?.request;
      if (connection !== undefined) endOperation(connection, payload);
      return request === undefined ? errors.map(formatError) : [...(formatResult({ errors }, request, logger).errors ?? [])];
    },
    onComplete(ctx, id, payload) {
      const connection = connections.get(ctx.extra.socket);
      if (connection === undefined) return;
      const operation = connection.operations.get(payload);
      if (operation !== undefined) logger.debug(`ws ${connection.id} operation ${id} done request=${requestIdOf(operation.request)}`);
      endOperation(connection, payload);
    },
    onClose(ctx, code, reason) {
      const connection = connections.get(ctx.extra.socket);
      if (connection === undefined) return;
      clearTimeout(connection.expiry);
      for (const key of [...connection.operations.keys()]) endOperation(connection, key);
      logger.debug(`ws ${connection.id} closed ${code} ${reason}`);
    },
  };
  // isProd: close reasons never carry an exception's message
  useServer({ ...options, isProd: true } as ServerOptions<Record<string, unknown>, Extra> & { isProd: boolean }, wss, deps.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS);

  return {
    connections: () => wss.clients.size,
    groups: () => groups.size,
    subscriptions: () => groups.members,
    async close() {
      server.off('upgrade', onUpgrade);
      const open = [...wss.clients];
      for (const ws of open) ws.close(WS_CLOSE.GOING_AWAY, 'Going away');
      const closed = Promise.all(open.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise((resolve) => ws.once('close', resolve)))));
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(grace);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function isSubscription(args: ExecutionArgs): boolean {
  return getOperationAST(args.document, args.operationName ?? undefined)?.operation === 'subscription';
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of ['host', 'x-forwarded-proto', 'x-forwarded-host']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}
