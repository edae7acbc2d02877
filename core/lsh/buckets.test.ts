import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BUCKET_LEN, BUCKET_START, BucketTables, Directory } from './buckets.ts';

/** The slots of bucket key in table t, in stored order. */
function slotsOf(b: BucketTables, t: number, key: number): number[] {
  const d = b.dirs[t]!;
  const e = d.find(key);
  if (e < 0) return [];
  const start = d.entries[e + BUCKET_START]!;
  return Array.from(b.pool.subarray(start, start + d.entries[e + BUCKET_LEN]!));
}

describe('BucketTables', () => {
  it.each([
    ['hash', false],
    ['dense', true],
  ])('behaves like a map of arrays with swap-remove (%s directories)', (_, dense) => {
    // Few distinct keys (collisions in the directory, buckets that grow and empty) and many.
    const keyArb = dense
      ? fc.integer({ min: 0, max: 7 })
      : fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 ** 30 - 1 }));
    const op = fc.record({
      add: fc.boolean(),
      t: fc.integer({ min: 0, max: 2 }),
      key: keyArb,
      at: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const b = new BucketTables(3, dense ? 3 : 30);
        const model = [0, 1, 2].map(() => new Map<number, number[]>());
        let next = 0;
        for (const o of ops) {
          const m = model[o.t]!;
          const bucket = m.get(o.key);
          if (o.add || !bucket) {
            const slot = next++;
            const pos = b.add(o.t, o.key, slot);
            const arr = bucket ?? [];
            expect(pos).toBe(arr.length);
            arr.push(slot);
            m.set(o.key, arr);
          } else {
            const pos = o.at % bucket.length;
            const last = bucket.pop()!;
            const want = pos === bucket.length ? -1 : last;
            if (want >= 0) bucket[pos] = last;
            if (bucket.length === 0) m.delete(o.key);
            expect(b.remove(o.t, o.key, pos)).toBe(want);
          }
        }
        for (let t = 0; t < 3; t++) {
          for (const [key, arr] of model[t]!) expect(slotsOf(b, t, key)).toEqual(arr);
          expect(b.dirs[t]!.count).toBe(model[t]!.size);
        }
        const sizes = model.flatMap((m) => [...m.values()].map((a) => a.length));
        expect(b.stats()).toEqual({
          buckets: sizes.length,
          maxBucket: Math.max(0, ...sizes),
        });
      }),
      { numRuns: 200 },
    );
  });

  it('finds every key after deletes in the middle of probe runs', () => {
    // Keys chosen to collide: a directory of 8 positions holding up to 3 keys at a time.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 300 }), (keys) => {
        const d = new Directory(3);
        const live = new Set<number>();
        for (const k of keys) {
          if (live.has(k)) {
            d.delete(d.find(k));
            live.delete(k);
          } else {
            if (live.size === 3) continue;
            d.insert(k, 0);
            live.add(k);
          }
          for (let q = 0; q <= 40; q++) expect(d.find(q) >= 0).toBe(live.has(q));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reuses freed blocks instead of growing the pool', () => {
    const b = new BucketTables(1, 30);
    for (let round = 0; round < 20; round++) {
      for (let s = 0; s < 100; s++) b.add(0, s % 10, s);
      for (let s = 0; s < 100; s++) b.remove(0, s % 10, 0);
    }
    expect(b.stats().buckets).toBe(0);
    expect(b.pool.length).toBe(1024);
  });
});
