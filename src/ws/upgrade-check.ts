import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { malformedRequest } from '../http/node-request-guard.ts';
import { SECURITY_HEADERS } from '../http/use-security-headers.ts';

export interface UpgradeDecision {
  /** The HTTP status the upgrade is refused with; undefined: it may proceed. */
  readonly refuse?: 400 | 403 | 404;
  readonly why?: string;
}

export interface UpgradeCheckOptions {
  /** The one path WebSockets are served on (`/graphql`; `/graphql/` too). */
  readonly path: string;
  /** The CORS allow-list decision of HTTP (use-cors.ts corsOriginAllowed). */
  readonly originAllowed: (origin: string) => boolean;
  /** The gateway's public root URL as this request reached it (use-public-root.ts), e.g. `http://127.0.0.1:4000`. */
  readonly publicRoot: (req: IncomingMessage) => string;
}

/**
 * Whether an HTTP upgrade may become a WebSocket: only on the GraphQL path (anything else is 404, the socket destroyed),
 * only for a URL the pipeline could build (as node-request-guard.ts rules for requests), and — cross-site WebSocket
 * hijacking — only from a page the gateway would let read its answers: browsers send `Origin` on every WebSocket
 * handshake and never preflight it, so the server must decide. No Origin (non-browser clients), the gateway's own
 * origin (its public root, or the Host the client addressed), or an origin on the CORS allow-list pass; any other
 * origin, and `Origin: null`, is 403.
 */
export function checkUpgrade(req: IncomingMessage, options: UpgradeCheckOptions): UpgradeDecision {
  const target = req.url ?? '';
  const path = target.split(/[?#]/, 1)[0];
  if (path !== options.path && path !== `${options.path}/`) return { refuse: 404, why: 'WebSockets are served on the GraphQL endpoint only' };
  const malformed = malformedRequest(req);
  if (malformed !== undefined) return { refuse: 400, why: malformed };
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  if (origin !== 'null' && (sameOrigin(origin, options.publicRoot(req)) || sameOrigin(origin, `http://${req.headers.host ?? ''}`))) return {};
  if (options.originAllowed(origin)) return {};
  return { refuse: 403, why: 'this origin may not open a WebSocket to the gateway (not on the CORS allow-list)' };
}

function sameOrigin(origin: string, root: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === new URL(root).host.toLowerCase();
  } catch {
    return false;
  }
}

const REASONS = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' } as const;

/** Answers a refused upgrade with its status (no body) and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: 400 | 403 | 404): void {
  const headers = { ...SECURITY_HEADERS, 'x-request-id': randomUUID(), 'content-length': '0', connection: 'close' };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\n${lines.join('\r\n')}\r\n\r\n`);
  socket.destroy();
}
