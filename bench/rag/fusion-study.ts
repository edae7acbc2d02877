// A study, not a bench: how to fuse BM25 and the lexical embedder on the labelled man-page set,
// in process, chunk level, as the edge ranks. Tune on one seed's queries, check on another's.
import {
  Bm25Index,
  bm25Merge,
  chunkText,
  queryTermIds,
  termsOf,
  fuseRanks,
} from '@proxima/core/rag';
import { LexicalEmbedder } from '@proxima/wasm';
import { buildLabelledSet, meanRecall } from './labelled-set.ts';

const PACKAGES = ['manpages', 'manpages-dev', 'man-db'];
const embedder = new LexicalEmbedder();
for (const seed of [1]) {
  const set = buildLabelledSet({ maxDocs: 2000, maxQueries: 1000, seed, packages: PACKAGES });
  const chunks: { doc: string; text: string; vec: Float32Array }[] = [];
  for (const d of set.docs)
    for (const c of chunkText(d.text))
      chunks.push({ doc: d.id, text: c.text, vec: embedder.embed(c.text) });
  const bm25 = new Bm25Index();
  chunks.forEach((c, i) => bm25.add(i, termsOf(c.text)));
  const N = 200;
  const variants: Record<string, string[][]> = {};
  const push = (name: string, ranked: number[]) => {
    (variants[name] ??= []).push([...new Set(ranked.map((i) => chunks[i]!.doc))]);
  };
  for (const q of set.queries) {
    const qv = embedder.embed(q.text);
    const scored = chunks.map((c, i) => {
      let s = 0;
      for (let j = 0; j < qv.length; j++) s += qv[j]! * c.vec[j]!;
      return [i, s] as const;
    });
    scored.sort((a, b) => b[1] - a[1]);
    const vec = scored.slice(0, N);
    const ans = bm25.candidates(queryTermIds(q.text), N);
    // local BM25 scores recomputed: use order only, and rank-derived scores.
    const merged = bm25Merge([{ key: 's', answer: ans }], N);
    const lex = merged.map((h) => h.row);
    push('bm25', lex);
    push(
      'vector',
      vec.map((v) => v[0]),
    );
    for (const k of [10, 30, 60, 100])
      for (const w of [1, 0.5, 0.4, 0.3, 0.2]) {
        push(
          `rrf k${k} wv${w}`,
          fuseRanks([vec.map((v) => v[0]), lex], { k, weights: [w, 1] }).map((f) => f.item),
        );
      }
    // Score fusion: BM25 scaled by its best, cosine as is.
    const top = merged[0]?.score ?? 1;
    for (const a of [0.2, 0.3, 0.5]) {
      const m = new Map<number, number>();
      for (const [i, s] of vec) m.set(i, a * s);
      merged.forEach((h) => m.set(h.row, (m.get(h.row) ?? 0) + (1 - a) * (h.score / top)));
      push(
        `score a${a}`,
        [...m].sort((x, y) => y[1] - x[1]).map((e) => e[0]),
      );
    }
  }
  console.log(
    `seed ${seed}: ${set.docs.length} docs, ${chunks.length} chunks, ${set.queries.length} queries`,
  );
  const half = (r: number) => set.queries.filter((_, i) => i % 2 === r);
  for (const [name, ranked] of Object.entries(variants)) {
    const a = meanRecall(
      ranked.filter((_, i) => i % 2 === 0),
      half(0),
      10,
    );
    const b = meanRecall(
      ranked.filter((_, i) => i % 2 === 1),
      half(1),
      10,
    );
    console.log(`  ${name.padEnd(16)} even ${a.toFixed(4)} odd ${b.toFixed(4)}`);
  }
}
