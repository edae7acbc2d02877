import { describe, expect, it } from 'vitest';
import { Slots } from './slots.ts';

describe('Slots', () => {
  it('hands out at most `size` slots and queues the rest in order', async () => {
    const slots = new Slots(2);
    const never = new AbortController().signal;
    const a = await slots.acquire(never);
    await slots.acquire(never);
    const order: string[] = [];
    const c = slots.acquire(never).then((r) => (order.push('c'), r));
    const d = slots.acquire(never).then((r) => (order.push('d'), r));
    expect(slots.busy).toBe(2);
    expect(slots.queued).toBe(2);
    a();
    a(); // a second release of the same slot is ignored
    const releaseC = await c;
    expect(order).toEqual(['c']);
    releaseC();
    await d;
    expect(order).toEqual(['c', 'd']);
    expect(slots.busy).toBe(2);
  });

  it('rejects a queued acquire with AbortError when its signal fires', async () => {
    const slots = new Slots(1);
    await slots.acquire(new AbortController().signal);
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(slots.queued).toBe(0);
  });
});

describe('Slots.resize', () => {
  const never = new AbortController().signal;

  it('holds new jobs after a shrink until running ones are below the new size', async () => {
    const slots = new Slots(3);
    const held = [await slots.acquire(never), await slots.acquire(never)];
    slots.resize(1);
    let granted = false;
    const next = slots.acquire(never).then((r) => ((granted = true), r));
    held[0]?.();
    await Promise.resolve();
    expect(granted).toBe(false); // one still runs, and the size is 1
    expect(slots.busy).toBe(1);
    held[1]?.();
    (await next)();
    expect(granted).toBe(true);
    expect(slots.busy).toBe(0);
  });

  it('admits waiters at once when it grows, oldest first', async () => {
    const slots = new Slots(1);
    await slots.acquire(never);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => slots.acquire(never).then(() => order.push(n)));
    slots.resize(3);
    await Promise.all(waiting.slice(0, 2));
    expect(order).toEqual([1, 2]);
    expect(slots.busy).toBe(3);
    expect(slots.queued).toBe(1);
  });

  it('refuses a size below one', () => {
    expect(() => new Slots(0)).toThrow(/positive integer/);
    expect(() => new Slots(2).resize(1.5)).toThrow(/positive integer/);
  });
});
