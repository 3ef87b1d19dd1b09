/**
 * Who is asking. Every request (HTTP route, and later each WebSocket connection) gets one on its FhirContext, and the
 * FHIR core makes every access decision from it, so that no transport can decide differently. Anonymous until SMART on
 * FHIR authorization lands.
 */
export interface Viewer {
  readonly kind: 'anonymous';
}

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });
