import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/upstream/concurrency.ts';

describe('Semaphore', () => {
  it('grants up to max at once, then FIFO', async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((r) => (order.push('c'), r));
    const d = s.acquire().then((r) => (order.push('d'), r));
    expect(s.waiting).toBe(2);
    a();
    a(); // releasing twice is harmless
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(s.active).toBe(0);
  });

  it('an aborted waiter leaves the queue and rejects with the reason', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    const next = s.acquire();
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(s.waiting).toBe(1);
    held();
    (await next)();
    expect(s.active).toBe(0);
    await expect(s.acquire(controller.signal)).rejects.toThrow('gone');
  });

  it('rejects a non-positive max', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
