/**
 * Who is asking. Every request (HTTP route, and later each WebSocket connection) gets one on its FhirContext, and the
 * FHIR core makes every access decision from it, so that no transport can decide differently. Anonymous when the
 * gateway runs without `auth`; otherwise the validated bearer token's identity (src/auth).
 */
export type Viewer = AnonymousViewer | TokenViewer;

export interface AnonymousViewer {
  readonly kind: 'anonymous';
}

/** What a validated SMART access token says about its bearer. Never holds the token itself. */
export interface TokenViewer {
  readonly kind: 'token';
  /** The `iss` of the token (the configured issuer). */
  readonly issuer: string;
  /** `sub`: the user (or the client, for system tokens). */
  readonly subject: string | undefined;
  /** `client_id` (or `azp`): the application acting. */
  readonly clientId: string | undefined;
  /** SMART `fhirUser`: the user's FHIR resource, e.g. `Practitioner/123`. */
  readonly fhirUser: string | undefined;
  /** The granted scopes, as the token lists them (`scope`, space-separated, or `scp`). */
  readonly scopes: readonly string[];
  /** The SMART launch context `patient` claim, when the token carries one. */
  readonly patient: string | undefined;
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
}

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

/**
 * Who is allowed the same: two viewers with the same key get the same access decisions (same issuer, scopes and
 * patient context), so data loaded for one may serve the other. '' for the anonymous viewer.
 */
export function authorizationKey(viewer: Viewer): string {
  if (viewer.kind === 'anonymous') return '';
  return JSON.stringify([viewer.issuer, [...viewer.scopes].sort(), viewer.patient ?? null]);
}

/**
 * The authorization of `viewer` without its identity or expiry: what a stream shared by several viewers with the same
 * {@link authorizationKey} runs as (every access decision is made from the key's parts alone). Their expiries and
 * their audit stay each viewer's own (the transport's).
 */
export function sharedViewer(viewer: Viewer): Viewer {
  if (viewer.kind === 'anonymous') return viewer;
  return Object.freeze({ ...viewer, subject: undefined, clientId: undefined, fhirUser: undefined, expiresAt: Number.POSITIVE_INFINITY });
}
