// The two vector sets of bench:lsh: clustered synthetic vectors, and lexical embeddings of man pages.
import { gaussian, seededRng } from '@proxima/core/lsh';
import { LexicalEmbedder } from '../src/lexical-embedder.ts';
import { locateManPages, passages } from './man-corpus.ts';

export interface VectorSet {
  readonly name: string;
  readonly dim: number;
  /** Unit rows, n × dim. */
  readonly data: Float32Array;
  /** Unit rows, held out from data. */
  readonly queries: Float32Array;
  readonly note: string;
}

function normalizeRows(m: Float32Array, dim: number): void {
  for (let r = 0; r < m.length / dim; r++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += m[r * dim + i]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < dim; i++) m[r * dim + i]! *= inv;
  }
}

/** Gaussian blobs of uneven size and spread around random centres. */
export function syntheticSet(n: number, nq: number, dim: number, seed: number): VectorSet {
  const rng = seededRng(seed);
  const clusters = 1000;
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = gaussian(rng);
  const spread = Float32Array.from({ length: clusters }, () => 0.6 + 0.6 * rng.next());
  // Zipf-like popularity so clusters differ in size, as real corpora do.
  const weights = Array.from({ length: clusters }, (_, c) => 1 / (c + 10));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(clusters);
  weights.reduce((acc, w, c) => (cdf[c] = acc + w / total), 0);
  const make = (rows: number): Float32Array => {
    const m = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const u = rng.next();
      let c = 0;
      while (c < clusters - 1 && cdf[c]! < u) c++;
      for (let i = 0; i < dim; i++)
        m[r * dim + i] = centres[c * dim + i]! + spread[c]! * gaussian(rng);
    }
    normalizeRows(m, dim);
    return m;
  };
  return {
    name: 'synthetic-clustered',
    dim,
    data: make(n),
    queries: make(nq),
    note: `${clusters} Gaussian clusters (Zipf sizes, σ 0.6–1.2 per dim), queries drawn from the same mixture`,
  };
}

/** Lexical embeddings of man-page passages; queries are held-out passages. */
export function manPageSet(n: number, nq: number, dim: number, seed: number): VectorSet {
  const pages = locateManPages(2000);
  const all = passages(pages, 40, 12, Number.MAX_SAFE_INTEGER);
  if (all.length < n + nq) throw new Error(`man pages gave ${all.length} passages; need ${n + nq}`);
  // Seeded shuffle so the base and the held-out queries are a fair split of the corpus.
  const rng = seededRng(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const emb = new LexicalEmbedder({ dim });
  const embed = (texts: string[]): Float32Array => {
    const m = new Float32Array(texts.length * dim);
    texts.forEach((t, r) => m.set(emb.embed(t), r * dim));
    return m;
  };
  return {
    name: 'manpages-lexical',
    dim,
    data: embed(all.slice(0, n)),
    queries: embed(all.slice(n, n + nq)),
    note: `${pages.length} English man pages → ${all.length} unique 40-word passages; ${n} indexed, ${nq} held out as queries`,
  };
}
