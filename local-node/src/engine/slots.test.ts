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
