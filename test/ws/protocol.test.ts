// The graphql-transport-ws protocol as graphql-ws specifies it, message by message over a raw socket: the close codes
// a misbehaving client gets (4408 no init in time, 4429 a second init, 4401 subscribe before the ack, 4409 an operation
// id in use, 4406 no subprotocol, 4400 a message that is not one), ping/pong, and WebSocket ping frames on an idle
// connection. The timings are the app's `live` options, short here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.ts';
import { rawSocket, until, type RawSocket } from './ws-helpers.ts';

let f: Fixture;
const sockets: RawSocket[] = [];
beforeAll(async () => {
  f = await startFixture({ sources: { hospital: { patients: 2, idPrefix: 'h' } }, appOptions: { live: { connectionInitWaitTimeoutMs: 300, keepAliveMs: 200 } } });
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await f?.stop();
});

async function open(options: Parameters<typeof rawSocket>[1] = {}): Promise<RawSocket> {
  const s = await rawSocket(f.url, options);
  sockets.push(s);
  return s;
}
async function acknowledged(): Promise<RawSocket> {
  const s = await open();
  s.send({ type: 'connection_init' });
  expect(await s.next()).toEqual({ type: 'connection_ack' });
  return s;
}

describe('graphql-transport-ws close codes', () => {
  it('no connection_init within the wait: 4408', async () => {
    const s = await open();
    const started = Date.now();
    expect(await s.closed(3_000)).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('a second connection_init: 4429', async () => {
    const s = await acknowledged();
    s.send({ type: 'connection_init' });
    expect(await s.closed()).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
  });

  it('subscribe before the ack: 4401', async () => {
    const s = await open();
    s.send({ type: 'subscribe', id: '1', payload: { query: '{ PatientList { id } }' } });
    expect(await s.closed()).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('an operation id already in use: 4409', async () => {
    const s = await acknowledged();
    s.send({ type: 'subscribe', id: 'same', payload: { query: 'subscription { PatientChanged { id } }' } });
    s.send({ type: 'subscribe', id: 'same', payload: { query: 'subscription { PatientChanged { id } }' } });
    expect(await s.closed()).toEqual({ code: 4409, reason: 'Subscriber for same already exists' });
  });

  it('no graphql-transport-ws subprotocol: 4406; a message that is not one: 4400', async () => {
    const none = await open({ protocol: null });
    expect((await none.closed()).code).toBe(4406);
    // only subscriptions-transport-ws's subprotocol offered: the handshake names none, which the client refuses
    await expect(rawSocket(f.url, { protocol: 'graphql-ws' })).rejects.toThrow('Server sent no subprotocol');
    const s = await acknowledged();
    s.send('{"type":"subscribe"');
    expect(await s.closed()).toEqual({ code: 4400, reason: 'Invalid message received' });
  });
});

describe('keep-alive', () => {
  it('ping is answered pong (payload echoed), before and after the ack', async () => {
    const s = await open();
    s.send({ type: 'ping' });
    expect(await s.next()).toEqual({ type: 'pong' });
    s.send({ type: 'connection_init' });
    expect(await s.next()).toEqual({ type: 'connection_ack' });
    s.send({ type: 'ping', payload: { at: 1 } });
    expect(await s.next()).toEqual({ type: 'pong', payload: { at: 1 } });
  });

  it('an idle connection gets WebSocket ping frames at the keep-alive interval and stays open while it pongs', async () => {
    const s = await acknowledged();
    await until(() => s.pings >= 3, 3_000, '3 pings');
    expect(s.ws.readyState).toBe(s.ws.OPEN);
  });

  it('a completed subscription sends complete; queries, mutations and subscriptions share one socket', async () => {
    const s = await acknowledged();
    s.send({ type: 'subscribe', id: 'sub', payload: { query: 'subscription { PatientChanged { action id } }' } });
    await new Promise((r) => setTimeout(r, 150));
    s.send({ type: 'subscribe', id: 'm', payload: { query: 'mutation { PatientCreate(res: { name: [{ family: "Raw" }] }) { id } }' } });
    const seen: Record<string, unknown>[] = [];
    for (let i = 0; i < 3; i++) seen.push(await s.next());
    const id = (seen.find((m) => m['id'] === 'm' && m['type'] === 'next') as { payload: { data: { PatientCreate: { id: string } } } }).payload.data.PatientCreate.id;
    expect(seen).toEqual(expect.arrayContaining([
      { id: 'm', type: 'next', payload: { data: { PatientCreate: { id } } } },
      { id: 'm', type: 'complete' },
      { id: 'sub', type: 'next', payload: { data: { PatientChanged: { action: 'create', id } } } },
    ]));
    s.send({ type: 'complete', id: 'sub' });
    await new Promise((r) => setTimeout(r, 100)); // the server has let the subscription go
    s.send({ type: 'subscribe', id: 'sub', payload: { query: '{ PatientList(_count: 1) { id } }' } }); // the id is free again
    expect(await s.next()).toMatchObject({ id: 'sub', type: 'next', payload: { data: { PatientList: [{ id: expect.any(String) }] } } });
    expect(await s.next()).toEqual({ id: 'sub', type: 'complete' });
  });
});
