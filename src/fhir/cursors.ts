import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.ts';
import { queryKey, type SearchQuery } from '../sources/search-query.ts';

/** Longer cursors are refused before anything is decoded. */
const MAX_CURSOR_LENGTH = 8192;
/** 128 bits of HMAC-SHA256, base64url. */
const MAC_LENGTH = 22;

/**
 * Paging cursors (`_cursor`, Connection `first/previous/next/last`, REST paging links) are `payload.mac`: base64url
 * JSON that the gateway reads back, and an HMAC over the payload and the cursor's scope. The scope names what the cursor
 * may be used for — its kind and the search it pages (type, every filter, the sources) — so a cursor cannot be forged,
 * altered (an upstream link given other parameters, a larger page), or replayed on another search: each is a 400.
 * The key comes from config (`cursorSecret`, shared by replicas and kept across restarts) or is random per process.
 */
export class CursorCodec {
  /** A KeyObject made once: createHmac with raw key bytes would build one on every call (~10 µs). */
  readonly #key: KeyObject;

  constructor(secret?: string | Uint8Array | null) {
    this.#key = createSecretKey(secret === undefined || secret === null ? randomBytes(32) : Buffer.from(secret));
  }

  encode(scope: string, value: object): string {
    const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${payload}.${this.#mac(scope, payload)}`;
  }

  /** The cursor's value, when this gateway issued it for `scope`; else a BAD_USER_INPUT error saying `misuse`. */
  decode(scope: string, cursor: string, misuse: string): Record<string, unknown> {
    const value = cursor.length <= MAX_CURSOR_LENGTH ? this.#verified(scope, cursor) : undefined;
    if (value === undefined) throw new GatewayError('BAD_USER_INPUT', `_cursor ${misuse}`);
    return value;
  }

  #verified(scope: string, cursor: string): Record<string, unknown> | undefined {
    const dot = cursor.indexOf('.');
    if (dot < 0 || cursor.length - dot - 1 !== MAC_LENGTH) return undefined;
    const payload = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1));
    const expected = Buffer.from(this.#mac(scope, payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  #mac(scope: string, payload: string): string {
    return createHmac('sha256', this.#key).update(scope).update('\n').update(payload).digest('base64url').slice(0, MAC_LENGTH);
  }
}

/** The identity of a search for cursor scopes: its type and every filter (order of names does not matter). */
export function searchScope(kind: string, resourceType: string, filters: SearchQuery, ...more: readonly string[]): string {
  const hash = createHash('sha256').update(resourceType + '?' + queryKey(filters)).digest('base64url').slice(0, 22);
  return [kind, resourceType, hash, ...more].join('|');
}
