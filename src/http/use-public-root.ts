import type { Plugin } from 'graphql-yoga';
import { setPublicRoot } from './request-meta.ts';

export interface PublicRootOptions {
  /** The configured public URL of the gateway (no trailing slash): links are always made from it. */
  readonly publicBaseUrl: string | null;
  /** Peers (reverse proxies) whose X-Forwarded-Proto / X-Forwarded-Host are believed. */
  readonly trustedProxies: readonly string[];
}

/**
 * Decides once per request the public root URL that FHIR links (Bundle links, fullUrls, Location) are made from: the
 * configured publicBaseUrl; else, when the peer is a trusted proxy, its X-Forwarded-Proto and X-Forwarded-Host; else
 * the Host the client itself addressed. A client can never point links at another host by sending X-Forwarded-*.
 */
export function usePublicRoot(options: PublicRootOptions): Plugin {
  const decide = publicRootDecider(options);
  return {
    onRequest({ request, serverContext }) {
      if (options.publicBaseUrl === null && options.trustedProxies.length === 0) return; // the request's own origin (publicRootOf), worked out only when a route asks
      const peer = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
      setPublicRoot(request, decide(request, peer));
    },
  };
}

/** The decision usePublicRoot makes, for a request that came from `peer` (also for the WebSocket upgrade, src/ws). */
export function publicRootDecider(options: PublicRootOptions): (request: Request, peer: string | undefined) => string {
  const trusted = new Set(options.trustedProxies.map(normaliseIp));
  return (request, peer) => {
    if (options.publicBaseUrl !== null) return options.publicBaseUrl;
    const own = new URL(request.url);
    if (peer === undefined || !trusted.has(normaliseIp(peer))) return own.origin;
    const proto = first(request.headers.get('x-forwarded-proto'));
    const host = first(request.headers.get('x-forwarded-host'));
    const scheme = proto === 'https' || proto === 'http' ? proto : own.protocol.slice(0, -1);
    const authority = host !== undefined && /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host) ? host : own.host;
    return `${scheme}://${authority}`;
  };
}

function first(value: string | null): string | undefined {
  return value?.split(',')[0]?.trim().toLowerCase() || undefined;
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer. */
function normaliseIp(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return (v4 ?? address).toLowerCase();
}
