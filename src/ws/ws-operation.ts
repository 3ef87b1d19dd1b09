import type { SubscribePayload } from 'graphql-ws';
import { randomUUID } from 'node:crypto';
import type { GatewayYoga } from '../http/create-yoga.ts';
import { envelopedOperation, type EnvelopedOperation } from '../http/enveloped-operation.ts';
import { markReceived, setPublicRoot, setViewer } from '../http/request-meta.ts';
import type { Viewer } from '../fhir/viewer.ts';

/** What a connection knows once it is acknowledged, shared by its operations. */
export interface ConnectionInfo {
  /** The GraphQL endpoint's URL as the upgrade request addressed it (`http://host:port/graphql`). */
  readonly url: string;
  readonly publicRoot: string;
  readonly viewer: Viewer;
  readonly userAgent: string | undefined;
}

/** One operation of a connection, run through yoga's envelop as a request of its own. */
export interface WsOperation {
  readonly request: Request;
  /** What to execute, or the errors to answer instead (parse, validation, limits). */
  readonly prepared: EnvelopedOperation;
  /** Ends the operation's request: its upstream calls still in flight are aborted. */
  end(): void;
}

/**
 * One graphql-ws operation as a request of its own (enveloped-operation.ts prepares it as /graphql would): a new
 * request id, the connection's viewer and public root, and an abort signal that ends with the operation or the
 * connection (upstream calls still in flight are then cancelled).
 */
export async function prepareOperation(yoga: GatewayYoga, connection: ConnectionInfo, payload: SubscribePayload, maxJsonDepth: number): Promise<WsOperation> {
  const abort = new AbortController();
  const request = new yoga.fetchAPI.Request(connection.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      'x-request-id': randomUUID(),
      ...(connection.userAgent !== undefined ? { 'user-agent': connection.userAgent } : {}),
    },
    signal: abort.signal,
  });
  markReceived(request);
  setViewer(request, connection.viewer);
  setPublicRoot(request, connection.publicRoot);
  const end = () => abort.abort();
  const prepared = await envelopedOperation(yoga, request, payload, maxJsonDepth);
  if ('errors' in prepared) end();
  return { request, prepared, end };
}
