import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HookAuthConfig } from '../config/config.types.ts';
import type { HookReplayStore } from './hook-replay-store.ts';

/** `X-Hook-Signature: sha256=<hex>`: HMAC-SHA256 with the source's secret over `<timestamp>.<raw body>`. */
export const SIGNATURE_HEADER = 'x-hook-signature';
/** `X-Hook-Timestamp: <unix seconds>`: when the notification was signed. */
export const TIMESTAMP_HEADER = 'x-hook-timestamp';
/** `X-Signature: <hex>`: Medplum's HMAC-SHA256 of the raw body with the Subscription's subscription-secret (no timestamp). */
export const MEDPLUM_SIGNATURE_HEADER = 'x-signature';
/** How far a signed notification's timestamp may be from the gateway's clock, either way. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

export type HookAuthResult =
  | { readonly ok: true; readonly via: 'header' | 'hmac' | 'medplum'; /** Call when the notification could not be handled: the sender may send it again. */ readonly release: () => Promise<void> }
  | { readonly ok: false; readonly reason: string };

/**
 * Authenticates the notifications of one source: either the channel header (`header: secret`, as an R4 Subscription's
 * channel.header sends it) or an HMAC-SHA256 signature over the timestamp and the raw body with the same secret. Both
 * are compared in constant time. A signed notification is refused when its timestamp is more than 5 minutes away, or
 * when the same signature was accepted before (a replay within the window) by any gateway process on the database
 * (hook-replay-store.ts). With `medplum` set, Medplum's `X-Signature` (HMAC-SHA256 of the raw body alone) is accepted
 * too: it has no timestamp, so nothing can tell a replay from the original here — the change log's de-duplication by
 * version absorbs a replayed resource, and RestHook confirms a delete it signs with the source. Reasons never contain
 * the secret. Rejects only when the replay store cannot be reached.
 */
export class HookAuthenticator {
  readonly #sourceId: string;
  readonly #secret: Buffer;
  readonly #secretDigest: Buffer;
  readonly #header: string;
  readonly #medplum: boolean;
  readonly #replays: HookReplayStore;
  readonly #now: () => number;

  constructor(sourceId: string, config: HookAuthConfig & { readonly signature?: 'medplum' | null }, replays: HookReplayStore, now: () => number = Date.now) {
    this.#sourceId = sourceId;
    this.#secret = Buffer.from(config.secret, 'utf8');
    this.#secretDigest = digest(this.#secret);
    this.#header = config.header;
    this.#medplum = config.signature === 'medplum';
    this.#replays = replays;
    this.#now = now;
  }

  async check(headers: Headers, body: Uint8Array): Promise<HookAuthResult> {
    const signature = headers.get(SIGNATURE_HEADER);
    if (signature !== null) return this.#checkSignature(signature, headers.get(TIMESTAMP_HEADER), body);
    const medplum = this.#medplum ? headers.get(MEDPLUM_SIGNATURE_HEADER) : null;
    if (medplum !== null) return this.#checkMedplum(medplum, body);
    const value = headers.get(this.#header);
    if (value === null) return { ok: false, reason: `neither the ${this.#header} header nor an ${SIGNATURE_HEADER} signature` };
    if (!timingSafeEqual(digest(Buffer.from(value, 'utf8')), this.#secretDigest)) return { ok: false, reason: `the ${this.#header} header does not match` };
    return { ok: true, via: 'header', release: async () => undefined };
  }

  #checkMedplum(signature: string, body: Uint8Array): HookAuthResult {
    const given = /^([0-9a-fA-F]{64})$/.exec(signature.trim())?.[1];
    if (given === undefined) return { ok: false, reason: `${MEDPLUM_SIGNATURE_HEADER} is not 64 hex digits` };
    const expected = createHmac('sha256', this.#secret).update(body).digest();
    if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) return { ok: false, reason: `the ${MEDPLUM_SIGNATURE_HEADER} signature does not match` };
    return { ok: true, via: 'medplum', release: async () => undefined };
  }

  async #checkSignature(signature: string, timestamp: string | null, body: Uint8Array): Promise<HookAuthResult> {
    if (timestamp === null || !/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, reason: `a signature needs ${TIMESTAMP_HEADER} (unix seconds)` };
    const now = this.#now();
    const at = Number(timestamp) * 1000;
    if (Math.abs(now - at) > REPLAY_WINDOW_MS) return { ok: false, reason: `${TIMESTAMP_HEADER} is more than ${REPLAY_WINDOW_MS / 60_000} minutes from now` };
    const given = /^(?:sha256=)?([0-9a-fA-F]{64})$/.exec(signature.trim())?.[1];
    if (given === undefined) return { ok: false, reason: `${SIGNATURE_HEADER} is not sha256=<64 hex digits>` };
    const expected = createHmac('sha256', this.#secret).update(`${timestamp}.`).update(body).digest();
    if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) return { ok: false, reason: 'the signature does not match' };
    const key = given.toLowerCase();
    if (!(await this.#replays.claim(this.#sourceId, key, at + REPLAY_WINDOW_MS))) {
      return { ok: false, reason: 'this signed notification was received before (a replay)' };
    }
    return { ok: true, via: 'hmac', release: () => this.#replays.release(this.#sourceId, key) };
  }
}

function digest(value: Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Medplum's signature of `body` with `secret`: the value of its `X-Signature` header (tests). */
export function medplumSignature(secret: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The headers that sign `body` with `secret` (for senders and tests). */
export function signHook(secret: string, body: string | Uint8Array, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${signature}` };
}
