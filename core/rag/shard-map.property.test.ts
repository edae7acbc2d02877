// Properties of the shard directory under any sequence of splits: every vector has exactly one
// home shard, a shard's own centroid is placed on it, the nearest probe is the placement, versions
// only grow, and the encoding round-trips bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterSplit,
  decodeDirectory,
  encodeDirectory,
  placeVector,
  probeShards,
  fixedProbe,
  chooseProbes,
  rootDirectory,
  shardId,
  type ShardDirectory,
} from './shard-map.ts';

const SEED = 20_250_301;

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
}

const vector = (dim: number): fc.Arbitrary<Float32Array> =>
  fc
    .array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: dim, maxLength: dim })
    .map((xs) => Float32Array.from(xs))
    .filter((v) => v.some((x) => Math.abs(x) > 1e-3));

interface Scenario {
  readonly dirs: ShardDirectory[];
  readonly probes: Float32Array[];
}

/** A root and a run of splits (parent picked by index, two child centroids), plus probe vectors. */
const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 2, max: 6 }).chain((dim) =>
  fc
    .record({
      splits: fc.array(fc.tuple(fc.nat(), vector(dim), vector(dim)), { maxLength: 24 }),
      probes: fc.array(vector(dim), { minLength: 1, maxLength: 8 }),
    })
    .map(({ splits, probes }) => {
      let seq = 0;
      const dirs = [rootDirectory(shardId('t', 'ns', seq++))];
      for (const [pick, a, b] of splits) {
        const dir = dirs[dirs.length - 1]!;
        // Keep directions distinct, so "a centroid is placed on its own shard" is well defined.
        const taken = dir.shards.flatMap((s) => (s.centroid ? [s.centroid] : []));
        if ([b, ...taken].some((c) => cosine(a, c) > 0.999)) continue;
        if (taken.some((c) => cosine(b, c) > 0.999)) continue;
        const parent = dir.shards[pick % dir.shards.length]!.id;
        const children = [
          { id: shardId('t', 'ns', seq++), centroid: a },
          { id: shardId('t', 'ns', seq++), centroid: b },
        ] as const;
        dirs.push(afterSplit(dir, parent, children));
      }
      return { dirs, probes };
    }),
);

const last = (s: Scenario): ShardDirectory => s.dirs[s.dirs.length - 1]!;

describe('shard directory properties', () => {
  it('every vector is placed on exactly one shard: the nearest, lowest index on ties', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const dir = last(s);
        const ids = dir.shards.map((x) => x.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const v of s.probes) {
          const cos = dir.shards.map((x) => (x.centroid ? cosine(v, x.centroid) : 0));
          // Shard i is home when it beats every earlier shard and ties or beats every later one.
          const homes = ids.filter((_, i) =>
            cos.every((c, j) => (j < i ? c < cos[i]! : c <= cos[i]!)),
          );
          expect(homes).toHaveLength(1);
          expect(placeVector(dir, v)).toBe(homes[0]);
          expect([...probeShards(dir, v, fixedProbe(ids.length))].sort()).toEqual([...ids].sort());
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("a shard's own centroid is placed on that shard", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const dir = last(s);
        for (const shard of dir.shards)
          if (shard.centroid) expect(placeVector(dir, shard.centroid)).toBe(shard.id);
      }),
      { seed: SEED + 1, numRuns: 300 },
    );
  });

  it('the nearest probe is the placement, and probes come nearest first', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 8 }), (s, p) => {
        const dir = last(s);
        for (const v of s.probes) {
          const probed = probeShards(dir, v, fixedProbe(p));
          expect(probed[0]).toBe(placeVector(dir, v));
          expect(probed).toHaveLength(Math.min(p, dir.shards.length));
          expect(probeShards(dir, v, fixedProbe(p + 1)).slice(0, probed.length)).toEqual(probed);
          const cos = probed.map((id) => {
            const c = dir.shards.find((x) => x.id === id)!.centroid;
            return c ? cosine(v, c) : 0;
          });
          for (let i = 1; i < cos.length; i++) expect(cos[i]!).toBeLessThanOrEqual(cos[i - 1]!);
        }
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
  });

  it('adaptive probing visits a nearest-first prefix: within its bounds, and every shard within delta', () => {
    const policy = fc
      .record({
        minShards: fc.integer({ min: 1, max: 6 }),
        extra: fc.integer({ min: 0, max: 6 }),
        delta: fc.double({ min: 0, max: 2, noNaN: true }),
      })
      .map(({ minShards, extra, delta }) => ({ minShards, maxShards: minShards + extra, delta }));
    const scores = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(scores, policy, (xs, pol) => {
        const picked = chooseProbes(xs, pol);
        const order = chooseProbes(xs, { minShards: xs.length, maxShards: xs.length, delta: 0 });
        expect(picked).toEqual(order.slice(0, picked.length));
        expect(picked.length).toBeGreaterThanOrEqual(Math.min(pol.minShards, xs.length));
        expect(picked.length).toBeLessThanOrEqual(Math.min(pol.maxShards, xs.length));
        const best = xs[order[0]!]!;
        // Below the cap, nothing within delta of the best is left out; past the floor, nothing
        // beyond delta is taken.
        if (picked.length < Math.min(pol.maxShards, xs.length))
          expect(xs[order[picked.length]!]!).toBeLessThan(best - pol.delta);
        picked
          .slice(pol.minShards)
          .forEach((i) => expect(xs[i]!).toBeGreaterThanOrEqual(best - pol.delta));
      }),
      { seed: SEED + 4, numRuns: 500 },
    );
  });

  it('versions strictly increase and encode/decode round-trips every directory', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        s.dirs.forEach((dir, i) => {
          if (i > 0) expect(dir.version).toBeGreaterThan(s.dirs[i - 1]!.version);
          const back = decodeDirectory(encodeDirectory(dir));
          expect(back.version).toBe(dir.version);
          expect(back.shards.map((x) => x.id)).toEqual(dir.shards.map((x) => x.id));
          back.shards.forEach((x, j) => expect(x.centroid).toEqual(dir.shards[j]!.centroid));
          expect(encodeDirectory(back)).toBe(encodeDirectory(dir));
        });
      }),
      { seed: SEED + 3, numRuns: 300 },
    );
  });
});
