import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryQueue } from './expiry-queue.ts';

describe('ExpiryQueue', () => {
  it('pops exactly the live items due, soonest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ expiresAt: fc.integer({ min: 0, max: 100 }), live: fc.boolean() })),
        fc.integer({ min: 0, max: 100 }),
        (items, now) => {
          const q = new ExpiryQueue<(typeof items)[number]>();
          for (const it of items) q.push(it);
          const due = q.popDue(now, (it) => it.live);
          const expected = items.filter((it) => it.live && it.expiresAt <= now);
          expect(due.map((d) => d.expiresAt)).toEqual(
            expected.map((d) => d.expiresAt).sort((a, b) => a - b),
          );
          expect(new Set(due)).toEqual(new Set(expected));
          expect(q.length).toBe(items.filter((it) => it.expiresAt > now).length);
        },
      ),
    );
  });

  it('compacts to the live items when stale ones pile up', () => {
    const q = new ExpiryQueue<{ expiresAt: number }>();
    const live = [{ expiresAt: 5 }];
    for (let i = 0; i < 200; i++) q.push({ expiresAt: i });
    q.push(live[0]!);
    q.compact(() => live, live.length);
    expect(q.length).toBe(1);
    expect(q.popDue(10, () => true)).toEqual(live);
  });
});
