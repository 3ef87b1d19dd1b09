import { WebSocket } from 'ws';

/** What a shared payload serialises to inside graphql-ws's message, until the socket puts the real JSON in its place. */
const MARK = '\u0000shared-payload';
/** How a message whose payload is shared ends, as graphql-ws serialises it (`payload` is its last key). */
const TAIL = `${JSON.stringify(MARK)}}`;
const TAIL_WITH_KEY = `"payload":${TAIL}`;

/** The JSON of the shared payload serialised last, until a socket sends the message made with it. */
let pending: string | undefined;

/**
 * A `next` payload serialised once for every subscriber of a shared stream (subscription-groups.ts) instead of once per
 * socket: graphql-ws stringifies each message whole, so the payload stands in as a marker (its toJSON) and the
 * socket (SharedPayloadSocket) writes the JSON made once in the marker's place. graphql-ws stringifies a message and
 * hands it to the socket in one synchronous step, so the JSON pending is always the one of the message being sent.
 */
export function sharedPayload(json: string): object {
  return { toJSON: () => ((pending = json), MARK) };
}

/** A `ws` socket that writes shared payloads in place of their marker (WebSocketServer's `WebSocket` option). */
export class SharedPayloadSocket extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    if (pending !== undefined && typeof data === 'string') {
      if (data.endsWith(TAIL_WITH_KEY)) data = `${data.slice(0, -TAIL.length)}${pending}}`;
      pending = undefined;
    }
    (super.send as (...args: unknown[]) => void)(data, ...rest);
  }
}
