// The one contract suite for VectorKernels. Every implementation (the TS reference, wasm in Node,
// wasm in workerd) registers it; each property checks against a naive f64 oracle written here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LshError, type VectorKernels } from '@proxima/core/lsh';

export interface ContractOptions {
  /** Runs per property; keep bounded so `npm test` stays fast. */
  readonly numRuns?: number;
  /** Also try a few large dimensions. */
  readonly large?: boolean;
}

// Dimensions around the SIMD widths (4 f32, 16 i8, 2 u64) and their remainders.
const dimArb = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constantFrom(255, 256, 384, 768, 769));

// Values in ±1000 at 1e-3 resolution, with exact zeros; f32 subnormals are out of the contract.
const numArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 9, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map((x) => x / 1000) },
);
const vecArb = (n: number) =>
  fc.array(numArb, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
const pairArb = dimArb.chain((n) => fc.tuple(vecArb(n), vecArb(n)));
const i8Arb = (n: number) =>
  fc
    .array(fc.integer({ min: -127, max: 127 }), { minLength: n, maxLength: n })
    .map((a) => Int8Array.from(a));

function exactDot(a: ArrayLike<number>, b: ArrayLike<number>, off = 0): { s: number; mag: number } {
  let s = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]! * b[off + i]!;
    s += p;
    mag += Math.abs(p);
  }
  return { s, mag };
}

/** f32 accumulation error bound relative to Σ|a·b|. */
function closeDot(got: number, exact: { s: number; mag: number }): void {
  expect(Math.abs(got - exact.s)).toBeLessThanOrEqual(1e-4 * exact.mag + 1e-6);
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) c += v & 1;
  return c;
}

function expectNonFinite(f: () => unknown): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(LshError);
  expect((caught as LshError).code).toBe('non_finite');
}

const badArb = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
/** A vector of length ≥ 1 with one NaN/Infinity planted at a random position. */
const poisonedArb = fc
  .integer({ min: 1, max: 80 })
  .chain((n) => fc.tuple(vecArb(n), fc.integer({ min: 0, max: n - 1 }), badArb))
  .map(([v, at, bad]) => {
    const p = Float32Array.from(v);
    p[at] = bad;
    return { clean: v, bad: p };
  });

export function runKernelContract(
  name: string,
  make: () => VectorKernels,
  opts: ContractOptions = {},
): void {
  const numRuns = opts.numRuns ?? 60;
  const run = (p: fc.IPropertyWithHooks<never> | fc.IProperty<never>): void =>
    fc.assert(p as fc.IProperty<unknown>, { numRuns });

  describe(`VectorKernels contract: ${name}`, () => {
    const k = make();

    it('dotF32 matches the f64 dot within f32 accumulation error', () => {
      run(fc.property(pairArb, ([a, b]) => closeDot(k.dotF32(a, b), exactDot(a, b))) as never);
    });

    it('dotF32 of known values and of zero vectors', () => {
      expect(k.dotF32(Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6))).toBe(32);
      expect(k.dotF32(new Float32Array(0), new Float32Array(0))).toBe(0);
      expect(
        k.dotF32(
          new Float32Array(19),
          Float32Array.from({ length: 19 }, (_, i) => i),
        ),
      ).toBe(0);
    });

    it('cosineF32 is within [-1, 1], 0 for zero vectors, 1 against a positive multiple', () => {
      run(
        fc.property(
          pairArb,
          fc.float({ min: Math.fround(0.5), max: 4, noNaN: true }),
          ([a, b], c) => {
            const na = Math.sqrt(exactDot(a, a).s);
            const nb = Math.sqrt(exactDot(b, b).s);
            const got = k.cosineF32(a, b);
            if (na === 0 || nb === 0) expect(got).toBe(0);
            else {
              expect(Math.abs(got - exactDot(a, b).s / (na * nb))).toBeLessThanOrEqual(
                (1e-4 * exactDot(a, b).mag) / (na * nb) + 1e-5,
              );
              expect(
                Math.abs(
                  k.cosineF32(
                    a,
                    a.map((x) => x * c),
                  ) - 1,
                ),
              ).toBeLessThan(1e-4);
            }
            expect(Math.abs(got)).toBeLessThanOrEqual(1 + 1e-5);
          },
        ) as never,
      );
    });

    it('dotI8 is the exact integer dot times both scales', () => {
      const arb = dimArb.chain((n) =>
        fc.tuple(i8Arb(n), i8Arb(n), fc.float({ min: 0, max: 2, noNaN: true })),
      );
      run(
        fc.property(arb, ([a, b, s]) => {
          const exact = exactDot(a, b).s;
          expect(k.dotI8(a, 1, b, 1)).toBe(exact);
          expect(Math.abs(k.dotI8(a, s, b, 0.5) - s * 0.5 * exact)).toBeLessThanOrEqual(
            1e-9 * Math.abs(exact) + 1e-9,
          );
        }) as never,
      );
    });

    it('dotBatchF32 equals one dot per row', () => {
      const arb = fc
        .tuple(
          dimArb.filter((d) => d > 0),
          fc.integer({ min: 0, max: 9 }),
        )
        .chain(([d, n]) => fc.tuple(vecArb(d), vecArb(d * n), fc.constant(n)));
      run(
        fc.property(arb, ([q, rows, n]) => {
          const out = k.dotBatchF32(q, rows);
          expect(out.length).toBe(n);
          for (let r = 0; r < n; r++) closeDot(out[r]!, exactDot(q, rows, r * q.length));
        }) as never,
      );
    });

    it('dotMatrixF32 equals one dot per (query, row) pair', () => {
      const arb = fc
        .tuple(
          dimArb.filter((d) => d > 0),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 0, max: 7 }),
        )
        .chain(([d, nq, n]) => fc.tuple(fc.constant(d), vecArb(d * nq), vecArb(d * n)));
      run(
        fc.property(arb, ([d, qs, rows]) => {
          const nq = qs.length / d;
          const n = rows.length / d;
          const out = k.dotMatrixF32(qs, rows, d);
          expect(out.length).toBe(nq * n);
          for (let q = 0; q < nq; q++) {
            for (let r = 0; r < n; r++)
              closeDot(out[q * n + r]!, exactDot(qs.subarray(q * d, q * d + d), rows, r * d));
          }
        }) as never,
      );
    });

    it('dotBatchI8 equals one exact integer dot per row', () => {
      const arb = fc
        .tuple(
          dimArb.filter((d) => d > 0),
          fc.integer({ min: 0, max: 9 }),
        )
        .chain(([d, n]) => fc.tuple(i8Arb(d), i8Arb(d * n), fc.constant(n)));
      run(
        fc.property(arb, ([q, rows, n]) => {
          const out = k.dotBatchI8(q, rows);
          expect(out.length).toBe(n);
          for (let r = 0; r < n; r++) expect(out[r]).toBe(exactDot(q, rows, r * q.length).s);
        }) as never,
      );
    });

    it('scoreI8 equals the integer dot times both scales, per row', () => {
      const arb = fc
        .tuple(
          dimArb.filter((d) => d > 0),
          fc.integer({ min: 0, max: 9 }),
        )
        .chain(([d, n]) =>
          fc.tuple(
            i8Arb(d),
            i8Arb(d * n),
            fc.array(fc.float({ min: 0, max: 2, noNaN: true }), { minLength: n, maxLength: n }),
            fc.float({ min: 0, max: 2, noNaN: true }),
          ),
        );
      run(
        fc.property(arb, ([q, rows, scales, qs]) => {
          const rs = Float32Array.from(scales);
          const out = k.scoreI8(q, qs, rows, rs);
          expect(out.length).toBe(rs.length);
          for (let r = 0; r < rs.length; r++) {
            const want = exactDot(q, rows, r * q.length).s * rs[r]! * qs;
            expect(Math.abs(out[r]! - want)).toBeLessThanOrEqual(1e-6 * Math.abs(want) + 1e-9);
          }
        }) as never,
      );
      expectNonFinite(() =>
        k.scoreI8(
          new Int8Array(4).fill(1),
          1,
          new Int8Array(4).fill(1),
          Float32Array.of(Number.NaN),
        ),
      );
    });

    it('quantizeI8 reconstructs within half a step and keeps the extreme at ±127', () => {
      run(
        fc.property(dimArb.chain(vecArb), (v) => {
          const q = new Int8Array(v.length);
          const scale = k.quantizeI8(v, q);
          let maxAbs = 0;
          for (const x of v) maxAbs = Math.max(maxAbs, Math.abs(x));
          expect(Math.abs(scale - maxAbs / 127)).toBeLessThanOrEqual(1e-6 * maxAbs);
          let peak = 0;
          for (let i = 0; i < v.length; i++) {
            expect(Math.abs(q[i]! * scale - v[i]!)).toBeLessThanOrEqual(
              scale * 0.5 + 1e-5 * maxAbs,
            );
            peak = Math.max(peak, Math.abs(q[i]!));
          }
          expect(peak).toBe(maxAbs === 0 ? 0 : 127);
        }) as never,
      );
    });

    it('simhash sets bit b exactly when the projection on plane b is positive', () => {
      const arb = fc
        .tuple(
          dimArb.filter((d) => d > 0),
          fc.integer({ min: 1, max: 100 }),
        )
        .chain(([d, bits]) => fc.tuple(vecArb(d), vecArb(d * bits), fc.constant(bits)));
      run(
        fc.property(arb, ([v, planes, bits]) => {
          const proj = new Float32Array(bits);
          const code = k.simhash(v, planes, bits, proj);
          expect(code.length).toBe(Math.ceil(bits / 32));
          for (let b = 0; b < bits; b++) {
            const e = exactDot(v, planes, b * v.length);
            closeDot(proj[b]!, e);
            const bit = (code[b >>> 5]! >>> (b & 31)) & 1;
            // Near-zero projections may round either way in f32; the sign is only pinned elsewhere.
            if (Math.abs(e.s) > 1e-4 * e.mag + 1e-6) expect(bit).toBe(e.s > 0 ? 1 : 0);
          }
          for (let b = bits; b < code.length * 32; b++)
            expect((code[b >>> 5]! >>> (b & 31)) & 1).toBe(0);
        }) as never,
      );
    });

    it('simhasher hashes like simhash with its planes, several hashers interleaved', () => {
      const arb = fc
        .tuple(
          dimArb.filter((d) => d > 0),
          fc.integer({ min: 1, max: 70 }),
        )
        .chain(([d, bits]) =>
          fc.tuple(
            fc.array(vecArb(d), { minLength: 1, maxLength: 4 }),
            fc.array(vecArb(d * bits), { minLength: 1, maxLength: 3 }),
            fc.constant(bits),
          ),
        );
      run(
        fc.property(arb, ([vs, planeSets, bits]) => {
          const hashers = planeSets.map((p) => k.simhasher(p, bits));
          for (const v of vs) {
            for (let h = 0; h < hashers.length; h++) {
              const proj = new Float32Array(bits);
              const want = new Float32Array(bits);
              expect(hashers[h]!.hash(v, proj)).toEqual(k.simhash(v, planeSets[h]!, bits, want));
              expect(proj).toEqual(want);
            }
          }
        }) as never,
      );
      expect(() => k.simhasher(new Float32Array(10), 3)).toThrow(LshError);
      expect(() => k.simhasher(new Float32Array(12), 3).hash(new Float32Array(5))).toThrow(
        LshError,
      );
    });

    it('hamming and hammingBatch count differing bits', () => {
      const words = fc.integer({ min: 0, max: 13 });
      const codesArb = words.chain((w) =>
        fc.tuple(
          fc.uint32Array({ minLength: w, maxLength: w }),
          fc
            .integer({ min: 0, max: 6 })
            .chain((n) => fc.uint32Array({ minLength: w * n, maxLength: w * n })),
        ),
      );
      run(
        fc.property(codesArb, ([q, codes]) => {
          const n = q.length === 0 ? 0 : codes.length / q.length;
          const out = k.hammingBatch(q, q.length === 0 ? new Uint32Array(0) : codes);
          for (let r = 0; r < n; r++) {
            const row = codes.subarray(r * q.length, (r + 1) * q.length);
            let want = 0;
            for (let w = 0; w < q.length; w++) want += popcount(q[w]! ^ row[w]!);
            expect(out[r]).toBe(want);
            expect(k.hamming(q, row)).toBe(want);
          }
          expect(k.hamming(q, q)).toBe(0);
        }) as never,
      );
    });

    it('topK returns the best k, best first, ties by lower index', () => {
      // Small integers force many ties.
      const scoresArb = fc
        .array(fc.integer({ min: -5, max: 5 }), { maxLength: 300 })
        .map((a) => Float32Array.from(a));
      run(
        fc.property(scoresArb, fc.integer({ min: 0, max: 40 }), (scores, kk) => {
          const want = Array.from(scores, (s, i) => ({ s, i }))
            .sort((x, y) => y.s - x.s || x.i - y.i)
            .slice(0, kk);
          const got = k.topK(scores, kk);
          expect(Array.from(got.indices)).toEqual(want.map((w) => w.i));
          expect(Array.from(got.scores)).toEqual(want.map((w) => w.s));
        }) as never,
      );
    });

    it('rejects NaN and Infinity with a clear non_finite error', () => {
      run(
        fc.property(poisonedArb, ({ clean, bad }) => {
          const n = clean.length;
          expectNonFinite(() => k.dotF32(bad, clean));
          expectNonFinite(() => k.dotF32(clean, bad));
          expectNonFinite(() => k.cosineF32(clean, bad));
          expectNonFinite(() => k.dotBatchF32(clean, Float32Array.of(...clean, ...bad)));
          expectNonFinite(() => k.dotBatchF32(bad, clean));
          expectNonFinite(() => k.dotMatrixF32(Float32Array.of(...clean, ...bad), clean, n));
          expectNonFinite(() => k.quantizeI8(bad, new Int8Array(n)));
          expectNonFinite(() => k.simhash(bad, Float32Array.of(...clean, ...clean), 2));
          expectNonFinite(() => k.topK(bad, 3));
        }) as never,
      );
      expect(() => k.dotF32(Float32Array.of(Number.NaN), Float32Array.of(1))).toThrow(
        /NaN or Infinity/,
      );
      expect(() => k.dotI8(new Int8Array(1), Number.NaN, new Int8Array(1), 1)).toThrow(LshError);
    });

    it('rejects mismatched shapes', () => {
      expect(() => k.dotF32(new Float32Array(3), new Float32Array(4))).toThrow(LshError);
      expect(() => k.dotBatchF32(new Float32Array(3), new Float32Array(7))).toThrow(
        /whole number of rows/,
      );
      expect(() => k.simhash(new Float32Array(3), new Float32Array(8), 3)).toThrow(LshError);
    });

    if (opts.large) {
      it('handles large dimensions', () => {
        for (const d of [4099, 65_537]) {
          const a = Float32Array.from({ length: d }, (_, i) => Math.sin(i));
          const b = Float32Array.from({ length: d }, (_, i) => Math.cos(i * 0.7));
          closeDot(k.dotF32(a, b), exactDot(a, b));
          const qa = new Int8Array(d);
          const qb = new Int8Array(d);
          const sa = k.quantizeI8(a, qa);
          const sb = k.quantizeI8(b, qb);
          expect(k.dotI8(qa, 1, qb, 1)).toBe(exactDot(qa, qb).s);
          expect(Math.abs(k.dotI8(qa, sa, qb, sb) - exactDot(a, b).s)).toBeLessThan(0.01 * d);
        }
      });
    }
  });
}
