// A payload serialised once for every subscriber of a shared stream (src/ws/shared-payload.ts) reaches each socket as
// if graphql-ws had serialised it there, over real loopback sockets; nothing else a socket sends is touched, whatever
// it contains.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { sharedPayload, SharedPayloadSocket } from '../../src/ws/shared-payload.ts';

let wss: WebSocketServer;
let server: SharedPayloadSocket;
let client: WebSocket;
const received: string[] = [];
beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, WebSocket: SharedPayloadSocket });
  await once(wss, 'listening');
  const connected = once(wss, 'connection');
  client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  client.on('message', (data) => void received.push(String(data)));
  [server] = (await connected) as [SharedPayloadSocket];
});
afterAll(async () => {
  client.close();
  await new Promise((r) => wss.close(r));
});

const next = async (n: number) => {
  const end = Date.now() + 5_000;
  while (received.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return received.slice(0, n);
};

describe('a shared payload', () => {
  it('is written in place of its marker, for every socket and message that carries it', async () => {
    const data = { data: { ObservationChanged: { id: 'o1', note: 'quotes " and \u0000 and \u2028' } } };
    const payload = sharedPayload(JSON.stringify(data));
    server.send(JSON.stringify({ id: 'a', type: 'next', payload }));
    server.send(JSON.stringify({ id: 'b', type: 'next', payload }));
    // anything else passes as it is: a pong echoing a marker-like payload, an error, a plain string, a buffer
    server.send(JSON.stringify({ type: 'pong', payload: { payload: '\u0000shared-payload' } }));
    server.send(JSON.stringify({ id: 'c', type: 'error', payload: [{ message: '\u0000shared-payload' }] }));
    server.send('{"payload":"\\u0000shared-payload"}');
    server.send(Buffer.from('bytes'));
    const got = await next(6);
    expect(JSON.parse(got[0]!)).toEqual({ id: 'a', type: 'next', payload: data });
    expect(JSON.parse(got[1]!)).toEqual({ id: 'b', type: 'next', payload: data });
    expect(JSON.parse(got[2]!)).toEqual({ type: 'pong', payload: { payload: '\u0000shared-payload' } });
    expect(JSON.parse(got[3]!)).toEqual({ id: 'c', type: 'error', payload: [{ message: '\u0000shared-payload' }] });
    expect(got[4]).toBe('{"payload":"\\u0000shared-payload"}'); // no payload was serialised for it
    expect(got[5]).toBe('bytes');
  });
});
