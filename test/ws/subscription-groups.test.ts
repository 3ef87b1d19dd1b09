// The subscription groups' own rules (src/ws/subscription-groups.ts), over a stream driven by the test: one start per
// group, the same result objects to every member, the stream stopped when the last member leaves, errors to everyone,
// and the backlog bound that closes a member who does not read. The transport's side is test/ws/shared-subscriptions.
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AccessTrail } from '../../src/fhir/access-trail.ts';
import { SubscriptionGroups, type Backlog, type GroupStream } from '../../src/ws/subscription-groups.ts';

/** A stream the test pushes results into; it records when it is returned and ended. */
function stream() {
  const waiting: Array<(step: IteratorResult<ExecutionResult>) => void> = [];
  const queued: IteratorResult<ExecutionResult>[] = [];
  let failure: unknown;
  const state = { returned: 0, ended: 0, trail: new AccessTrail() };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => {
      if (failure !== undefined) return Promise.reject(failure);
      const step = queued.shift();
      return step !== undefined ? Promise.resolve(step) : new Promise((resolve) => waiting.push(resolve));
    },
    return: async () => {
      state.returned++;
      return { done: true, value: undefined };
    },
  };
  const deliver = (step: IteratorResult<ExecutionResult>) => {
    const w = waiting.shift();
    if (w !== undefined) w(step);
    else queued.push(step);
  };
  const group: GroupStream = { results: iterator, takeAccesses: () => state.trail.take(), end: () => void state.ended++ };
  return {
    state,
    group,
    emit(result: ExecutionResult, touched?: string) {
      if (touched !== undefined) state.trail.record('R', [{ resourceType: 'Patient', id: touched }], 's');
      deliver({ done: false, value: result });
    },
    done: () => deliver({ done: true, value: undefined }),
    fail(error: unknown) {
      failure = error;
      const w = waiting.shift();
      if (w !== undefined) (w as unknown as (p: Promise<never>) => void)(Promise.reject(error));
    },
  };
}

const backlog = (max = 100): Backlog & { overflows: number } => {
  const b = { queued: 0, max, overflows: 0, overflow: () => void b.overflows++ };
  return b;
};
const tick = () => new Promise((r) => setTimeout(r, 0));
const iter = (joined: unknown) => joined as AsyncIterableIterator<ExecutionResult>;

describe('subscription groups', () => {
  it('members of one key share one start, and every result object, with the accesses that made it', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    const s = stream();
    let starts = 0;
    const start = async () => (starts++, s.group);
    const members = [iter(await groups.join('k', start, backlog())), iter(await groups.join('k', start, backlog())), iter(await groups.join('k', start, backlog()))];
    expect(starts).toBe(1);
    expect(groups.size).toBe(1);
    const first: ExecutionResult = { data: { n: 1 } };
    s.emit(first, 'p1');
    const got = await Promise.all(members.map((m) => m.next()));
    for (const step of got) expect(step.value).toBe(first);
    expect(groups.accessesOf(first)!.accesses.map((a) => a.resources[0]!.id)).toEqual(['p1']);
    // another key is another group
    const other = stream();
    await groups.join('other', async () => other.group, backlog());
    expect(groups.size).toBe(2);
  });

  it('a member who leaves does not end the group; the last one stops its stream (returned, its request ended)', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    const s = stream();
    const a = iter(await groups.join('k', async () => s.group, backlog()));
    const b = iter(await groups.join('k', async () => s.group, backlog()));
    await a.return!();
    const later: ExecutionResult = { data: { n: 2 } };
    s.emit(later);
    expect((await b.next()).value).toBe(later);
    expect(s.state.returned).toBe(0);
    await b.return!();
    await tick();
    expect(s.state).toMatchObject({ returned: 1, ended: 1 });
    expect(groups.size).toBe(0);
    // the next subscriber of the key starts a new group
    const again = stream();
    await groups.join('k', async () => again.group, backlog());
    expect(groups.size).toBe(1);
  });

  it('no key: a group of its own, even for the same start', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    let starts = 0;
    const start = async () => (starts++, stream().group);
    await groups.join(undefined, start, backlog());
    await groups.join(undefined, start, backlog());
    expect(starts).toBe(2);
  });

  it('a start that answers errors answers them to every member who joined meanwhile, and forms no group', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    const refused: ExecutionResult = { errors: [] };
    let release!: () => void;
    const start = () => new Promise<ExecutionResult>((resolve) => (release = () => resolve(refused)));
    const first = groups.join('k', start, backlog());
    const second = iter(await groups.join('k', start, backlog()));
    release();
    expect(await first).toBe(refused);
    expect(await second.next()).toEqual({ done: false, value: refused });
    expect(await second.next()).toEqual({ done: true, value: undefined });
    expect(groups.size).toBe(0);
  });

  it('the stream ending ends every member (after what they have queued); a failure reaches every member', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    const s = stream();
    const a = iter(await groups.join('k', async () => s.group, backlog()));
    const last: ExecutionResult = { data: { n: 3 } };
    s.emit(last);
    s.done();
    await tick();
    expect(await a.next()).toEqual({ done: false, value: last });
    expect(await a.next()).toEqual({ done: true, value: undefined });
    expect(s.state.ended).toBe(1);

    const f = stream();
    const b = iter(await groups.join('f', async () => f.group, backlog()));
    const c = iter(await groups.join('f', async () => f.group, backlog()));
    const boom = new Error('EVENTS_EXPIRED');
    const pending = [b.next(), c.next()];
    f.fail(boom);
    for (const p of pending) await expect(p).rejects.toBe(boom);
    expect(groups.size).toBe(0);
  });

  it('a stream goes at its fastest reader\'s pace: a replay of many results already there never overflows its one reader', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    const s = stream();
    const results = Array.from({ length: 500 }, (_, n): ExecutionResult => ({ data: { n } }));
    for (const r of results) s.emit(r); // all there at once, as a replay from the log is
    const small = backlog(10);
    const reader = iter(await groups.join(undefined, async () => s.group, small));
    const got: ExecutionResult[] = [];
    for (let n = 0; n < results.length; n++) {
      await tick(); // the reader is slower than the pump could be
      got.push((await reader.next()).value as ExecutionResult);
    }
    expect(small.overflows).toBe(0);
    expect(got).toEqual(results);
    expect(small.queued).toBeLessThanOrEqual(32);
  });

  it('a member who does not read is closed past its connection\'s backlog, once; the others get everything', async () => {
    const groups = new SubscriptionGroups(() => undefined);
    const s = stream();
    const slowBacklog = backlog(3);
    const slow = iter(await groups.join('k', async () => s.group, slowBacklog));
    const fast = iter(await groups.join('k', async () => s.group, backlog()));
    const results: ExecutionResult[] = [];
    for (let n = 0; n < 10; n++) {
      const r: ExecutionResult = { data: { n } };
      results.push(r);
      s.emit(r);
      await tick();
      expect((await fast.next()).value).toBe(r);
    }
    expect(slowBacklog.overflows).toBe(1);
    expect(slowBacklog.queued).toBe(0); // what it held is let go
    expect(await slow.next()).toEqual({ done: true, value: undefined });
    expect(groups.size).toBe(1); // the fast one is still there
  });
});
