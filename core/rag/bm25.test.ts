import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../lsh/prng.ts';
import { Bm25Index, bm25Merge, type Bm25ShardAnswer } from './bm25.ts';
import { queryTermIds, termsOf } from './terms.ts';

type Corpus = Map<number, Map<number, number>>;

/** BM25 written out from the definition, over a whole corpus at once: the reference. */
function bruteForce(
  corpus: Corpus,
  query: readonly number[],
  k1 = 1.2,
  b = 0.75,
): { row: number; score: number }[] {
  const n = corpus.size;
  let total = 0;
  for (const terms of corpus.values()) for (const tf of terms.values()) total += tf;
  const avgdl = total / n;
  const df = query.map((t) => [...corpus.values()].filter((terms) => terms.has(t)).length);
  const out: { row: number; score: number }[] = [];
  for (const [row, terms] of corpus) {
    const len = [...terms.values()].reduce((a, x) => a + x, 0);
    let score = 0;
    let matched = false;
    query.forEach((t, i) => {
      const tf = terms.get(t) ?? 0;
      if (tf === 0) return;
      matched = true;
      const idf = Math.log(1 + (n - df[i]! + 0.5) / (df[i]! + 0.5));
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + b * (len / avgdl)));
    });
    if (matched) out.push({ row, score });
  }
  return out.sort((x, y) => y.score - x.score || x.row - y.row);
}

const VOCAB = 12;
const termsArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: VOCAB - 1 }), fc.integer({ min: 1, max: 5 })), {
    maxLength: 6,
  })
  .map((pairs) => new Map(pairs));

describe('Bm25Index', () => {
  it('matches brute-force BM25 after any sequence of adds and removes', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 30 }), terms: termsArb }),
      fc.record({ remove: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.uniqueArray(fc.integer({ min: 0, max: VOCAB }), { minLength: 1, maxLength: 4 }),
        (ops, query) => {
          const index = new Bm25Index();
          const model: Corpus = new Map();
          for (const o of ops) {
            if ('add' in o) {
              if (model.has(o.add)) {
                expect(() => index.add(o.add, o.terms)).toThrow(RangeError);
              } else {
                index.add(o.add, o.terms);
                model.set(o.add, o.terms);
              }
            } else {
              expect(index.remove(o.remove)).toBe(model.delete(o.remove));
            }
          }
          expect(index.size).toBe(model.size);
          for (const row of model.keys()) expect(index.has(row)).toBe(true);
          const answer = index.candidates(query, 1000);
          const total = [...model.values()].reduce(
            (a, m) => a + [...m.values()].reduce((x, y) => x + y, 0),
            0,
          );
          expect(answer.docs).toBe(model.size);
          expect(answer.totalLength).toBe(total);
          expect(index.totalLength).toBe(total);
          expect(answer.df).toEqual(
            query.map((t) => [...model.values()].filter((m) => m.has(t)).length),
          );
          const want = model.size === 0 ? [] : bruteForce(model, query);
          const got = bm25Merge([{ key: 's', answer }], 1000);
          expect(got.map((h) => h.row)).toEqual(want.map((h) => h.row));
          got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 10));
          for (const hit of answer.hits) {
            expect(hit.tf).toEqual(query.map((t) => model.get(hit.row)!.get(t) ?? 0));
            expect(hit.length).toBe([...model.get(hit.row)!.values()].reduce((x, y) => x + y, 0));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns the local top `limit`, best first, ties by row', () => {
    const index = new Bm25Index();
    for (const row of [5, 3, 9, 1]) index.add(row, new Map([[1, 1]]));
    index.add(7, new Map([[1, 3]]));
    index.add(8, new Map([[2, 1]]));
    expect(index.candidates([1], 3).hits.map((h) => h.row)).toEqual([7, 1, 3]);
    expect(index.candidates([1], 0).hits).toEqual([]);
    expect(index.candidates([42], 10)).toEqual({ docs: 6, totalLength: 8, df: [0], hits: [] });
  });

  it('filters rows with accept without changing the corpus statistics', () => {
    const index = new Bm25Index();
    for (let row = 0; row < 10; row++) index.add(row, new Map([[1, 1 + (row % 3)]]));
    const seen: number[] = [];
    const answer = index.candidates([1], 10, (row) => (seen.push(row), row % 2 === 0));
    expect(answer.hits.map((h) => h.row).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8]);
    expect(answer.df).toEqual([10]);
    expect(answer.docs).toBe(10);
    expect(new Set(seen).size).toBe(seen.length); // asked once per row
  });

  it('answers as a fresh index after churn that grows, reuses and compacts its storage', () => {
    // Thousands of rows of up to 40 terms: past the first capacities of the slot and term arrays,
    // with most rows removed between rounds so the term arrays are compacted under live postings.
    const rng = seededRng(11);
    const index = new Bm25Index();
    const model: Corpus = new Map();
    let next = 0;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 1500; i++) {
        const terms = new Map<number, number>();
        const n = 1 + Math.floor(rng.next() * 40);
        for (let t = 0; t < n; t++)
          terms.set(Math.floor(rng.next() ** 2 * 400), 1 + Math.floor(rng.next() * 4));
        index.add(next, terms);
        model.set(next++, terms);
      }
      for (const row of [...model.keys()]) {
        if (rng.next() < 0.7) {
          expect(index.remove(row)).toBe(true);
          model.delete(row);
        }
      }
      const fresh = new Bm25Index();
      for (const [row, terms] of model) fresh.add(row, terms);
      for (const query of [[0], [1, 2, 3], [5, 50, 399, 7, 7], [120, 3, 0, 9, 44, 1]]) {
        expect(index.candidates(query, 50)).toEqual(fresh.candidates(query, 50));
        expect(index.exhaustiveCandidates(query, 50)).toEqual(fresh.candidates(query, 50));
      }
    }
    expect(index.size).toBe(model.size);
  });

  it('refuses bad rows and terms', () => {
    const index = new Bm25Index();
    expect(() => index.add(-1, new Map())).toThrow(RangeError);
    expect(() => index.add(1.5, new Map())).toThrow(RangeError);
    expect(() => index.add(1, new Map([[2 ** 32, 1]]))).toThrow(RangeError);
    expect(() => index.add(1, new Map([[1, 0]]))).toThrow(RangeError);
    expect(index.size).toBe(0);
    expect(index.remove(1)).toBe(false);
    expect(() => index.candidates([1], -1)).toThrow(RangeError);
  });
});

describe('bm25Merge', () => {
  const words =
    'router reset wifi cable modem firmware update password network signal channel antenna'.split(
      ' ',
    );
  const rng = seededRng(11);
  const docs = Array.from({ length: 120 }, () =>
    Array.from(
      { length: 3 + Math.floor(rng.next() * 25) },
      () => words[Math.floor(rng.next() * words.length)]!,
    ).join(' '),
  );

  it('scores rows split over three shards exactly as one index holding them all', () => {
    const whole = new Bm25Index();
    const shards = [new Bm25Index(), new Bm25Index(), new Bm25Index()];
    docs.forEach((text, row) => {
      whole.add(row, termsOf(text));
      shards[row % 3]!.add(row, termsOf(text));
    });
    for (const q of [
      'reset the router',
      'firmware',
      'wifi password signal antenna',
      'nothing matches',
    ]) {
      const terms = queryTermIds(q);
      const one = bm25Merge([{ key: 'all', answer: whole.candidates(terms, 1000) }], 10);
      const three = bm25Merge(
        shards.map((s, i) => ({ key: `s${i}`, answer: s.candidates(terms, 1000) })),
        10,
      );
      // Same scores in the same order; rows with equal scores may swap (ties go by shard key).
      expect(three.length).toBe(one.length);
      three.forEach((h, i) => expect(h.score).toBeCloseTo(one[i]!.score, 12));
      const whole1000 = new Map(
        bm25Merge([{ key: 'all', answer: whole.candidates(terms, 1000) }], 1000).map((h) => [
          h.row,
          h.score,
        ]),
      );
      for (const h of three) expect(h.score).toBeCloseTo(whole1000.get(h.row)!, 12);
    }
  });

  it('gives equal rows equal scores whichever shard holds them (global, not local, idf)', () => {
    const a = new Bm25Index();
    const b = new Bm25Index();
    // "rare" is common in shard a and rare in shard b: local idf disagrees with the global one.
    for (let row = 0; row < 10; row++) a.add(row, new Map([[1, 1]]));
    b.add(100, new Map([[1, 1]]));
    for (let row = 101; row < 110; row++) b.add(row, new Map([[2, 1]]));
    const merged = bm25Merge(
      [
        { key: 'a', answer: a.candidates([1], 10) },
        { key: 'b', answer: b.candidates([1], 10) },
      ],
      20,
    );
    const scores = new Set(merged.map((h) => h.score.toFixed(12)));
    expect(scores.size).toBe(1); // same tf, same length: the same global score everywhere
  });

  it('breaks ties by key, then row, and keeps k', () => {
    const answer: Bm25ShardAnswer = {
      docs: 4,
      totalLength: 4,
      df: [4],
      hits: [2, 1].map((row) => ({ row, length: 1, tf: [1] })),
    };
    const merged = bm25Merge(
      [
        { key: 'b', answer },
        { key: 'a', answer },
      ],
      3,
    );
    expect(merged.map((h) => `${h.key}${h.row}`)).toEqual(['a1', 'a2', 'b1']);
  });

  it('refuses answers for different queries, and handles empty corpora', () => {
    const a: Bm25ShardAnswer = { docs: 1, totalLength: 1, df: [1], hits: [] };
    const b: Bm25ShardAnswer = { docs: 1, totalLength: 1, df: [1, 0], hits: [] };
    expect(() =>
      bm25Merge(
        [
          { key: 'a', answer: a },
          { key: 'b', answer: b },
        ],
        5,
      ),
    ).toThrow(RangeError);
    expect(bm25Merge([], 5)).toEqual([]);
    expect(
      bm25Merge([{ key: 'a', answer: { docs: 0, totalLength: 0, df: [0], hits: [] } }], 5),
    ).toEqual([]);
  });
});
