import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bm25Index, type Bm25ShardAnswer } from './bm25.ts';

type Corpus = Map<number, Map<number, number>>;

/**
 * BM25 top-k from the definition, over the whole model corpus: every row holding a query term,
 * scored in query order with the formula's operations in bm25-score.ts's order (so scores, and so
 * ties, come out bit-identical), sorted by score desc then row asc.
 */
function reference(
  corpus: Corpus,
  query: readonly number[],
  limit: number,
  accept: ((row: number) => boolean) | undefined,
  k1: number,
  b: number,
): Bm25ShardAnswer {
  const docs = corpus.size;
  const lengthOf = (terms: Map<number, number>): number =>
    [...terms.values()].reduce((a, x) => a + x, 0);
  let totalLength = 0;
  for (const terms of corpus.values()) totalLength += lengthOf(terms);
  const df = query.map((t) => [...corpus.values()].filter((terms) => terms.has(t)).length);
  if (docs === 0 || limit === 0) return { docs, totalLength, df, hits: [] };
  const avgdl = totalLength / docs;
  const scored: { row: number; score: number; length: number; tf: number[] }[] = [];
  for (const [row, terms] of corpus) {
    const tf = query.map((t) => terms.get(t) ?? 0);
    if (tf.every((x) => x === 0)) continue;
    if (accept && !accept(row)) continue;
    const length = lengthOf(terms);
    const norm = avgdl > 0 ? length / avgdl : 1;
    let score = 0;
    tf.forEach((f, i) => {
      if (f === 0) return;
      const idf = Math.log(1 + (docs - df[i]! + 0.5) / (df[i]! + 0.5));
      score += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + b * norm));
    });
    scored.push({ row, score, length, tf });
  }
  scored.sort((x, y) => y.score - x.score || x.row - y.row);
  const hits = scored.slice(0, limit).map(({ row, length, tf }) => ({ row, length, tf }));
  return { docs, totalLength, df, hits };
}

const VOCAB = 40;
/** Vocabulary index → u32 term id, spread over the whole range (sorting must be unsigned). */
const termOf = (v: number): number => Math.imul(v + 1, 0x9e3779b1) >>> 0;
/** Skewed towards small indices: a few terms are in most rows, most terms in few (Zipf-like). */
const vocabArb = fc.integer({ min: 0, max: 999 }).map((x) => Math.floor(VOCAB * (x / 1000) ** 3));
const tfArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: fc.integer({ min: 2, max: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 5, max: 40 }) },
);
const rowTermsArb = fc
  .array(fc.tuple(vocabArb, tfArb), { maxLength: 12 })
  .map((pairs) => new Map(pairs.map(([v, tf]) => [termOf(v), tf])));

const opArb = fc.oneof(
  // Rows are drawn from a small pool of term maps, so equal rows (equal scores) are common.
  { weight: 6, arbitrary: fc.record({ add: fc.nat({ max: 150 }), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ remove: fc.nat({ max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ query: fc.constant(true) }) },
);

const queryArb = fc.array(
  fc.oneof(
    { weight: 16, arbitrary: vocabArb.map(termOf) },
    { weight: 2, arbitrary: fc.integer({ min: VOCAB, max: VOCAB + 5 }).map(termOf) }, // unknown
    { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 32, 2 ** 32 + termOf(0)) }, // not u32
  ),
  { maxLength: 14 },
);

const limitArb = fc.oneof(
  fc.constantFrom(0, 1, 1000),
  fc.integer({ min: 0, max: 12 }),
  fc.integer({ min: 0, max: 200 }),
);

/** A row predicate from a seed: none, or keep rows whose hash is not 0 modulo `mod` (1: none kept). */
const acceptArb = fc.option(
  fc.record({ seed: fc.nat(), mod: fc.integer({ min: 1, max: 5 }) }).map(
    ({ seed, mod }) =>
      (row: number): boolean =>
        (Math.imul(row + seed, 0x85ebca6b) >>> 0) % mod !== 0,
  ),
  { nil: undefined },
);

const paramsArb = fc.oneof(
  fc.constant({ k1: 1.2, b: 0.75 }),
  fc.record({
    k1: fc.double({ min: 0, max: 3, noNaN: true }),
    b: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

describe('Bm25Index.candidates (MaxScore pruning)', () => {
  it('answers exactly as the exhaustive reference under interleaved adds, removes and queries', () => {
    fc.assert(
      fc.property(
        fc.array(rowTermsArb, { minLength: 1, maxLength: 25 }),
        fc.array(opArb, { maxLength: 400, size: 'max' }),
        fc.array(fc.tuple(queryArb, limitArb, acceptArb, paramsArb), {
          minLength: 1,
          maxLength: 6,
        }),
        (pool, ops, queries) => {
          const index = new Bm25Index();
          const model: Corpus = new Map();
          let asked = 0;
          const check = (): void => {
            const [query, limit, accept, params] = queries[asked++ % queries.length]!;
            const calls: number[] = [];
            const counted = accept && ((row: number) => (calls.push(row), accept(row)));
            const got = index.candidates(query, limit, counted, params);
            expect(got).toEqual(reference(model, query, limit, accept, params.k1, params.b));
            expect(got).toEqual(index.exhaustiveCandidates(query, limit, accept, params));
            expect(new Set(calls).size).toBe(calls.length); // asked at most once per row
            for (const row of calls) expect(model.has(row)).toBe(true);
          };
          for (const op of ops) {
            if ('add' in op) {
              if (model.has(op.add)) continue;
              const terms = pool[op.pick % pool.length]!;
              index.add(op.add, terms);
              model.set(op.add, terms);
            } else if ('remove' in op) {
              expect(index.remove(op.remove)).toBe(model.delete(op.remove));
            } else check();
          }
          check();
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('asks `accept` only about rows that could still enter the answer', () => {
    // One rare term in 5 rows, one common term in 2000: the top 3 are settled by the rare rows,
    // and the common term's rows cannot reach them, so they are never looked at.
    const rare = termOf(1);
    const common = termOf(2);
    const index = new Bm25Index();
    const model: Corpus = new Map();
    for (let row = 0; row < 2000; row++) {
      const terms = new Map([[common, 1 + (row % 3)]]);
      if (row % 400 === 7) terms.set(rare, 3);
      index.add(row, terms);
      model.set(row, terms);
    }
    const asked: number[] = [];
    const answer = index.candidates([common, rare], 3, (row) => (asked.push(row), true));
    expect(answer).toEqual(reference(model, [common, rare], 3, undefined, 1.2, 0.75));
    expect(answer.hits.every((h) => h.row % 400 === 7)).toBe(true);
    expect(answer.df).toEqual([2000, 5]);
    expect(asked.length).toBeLessThanOrEqual(5);
  });

  it('keeps bounds valid after the rows that set them are removed', () => {
    const t = termOf(3);
    const index = new Bm25Index();
    const model: Corpus = new Map();
    const add = (row: number, tf: number, pad: number): void => {
      const terms = new Map([[t, tf]]);
      if (pad > 0) terms.set(termOf(4), pad);
      index.add(row, terms);
      model.set(row, terms);
    };
    add(0, 9, 0); // the front's best point
    for (let row = 1; row < 60; row++) add(row, 1 + (row % 4), row % 7);
    for (const limit of [1, 5]) {
      expect(index.candidates([t], limit)).toEqual(
        reference(model, [t], limit, undefined, 1.2, 0.75),
      );
    }
    index.remove(0);
    model.delete(0);
    add(100, 2, 0);
    for (const query of [[t], [t, termOf(4)]]) {
      for (const limit of [1, 5, 100]) {
        expect(index.candidates(query, limit)).toEqual(
          reference(model, query, limit, undefined, 1.2, 0.75),
        );
      }
    }
  });
});
