// bench:rag's scale corpus as a vector set for the in-process routing studies: man-page passages in
// page order, then halves of two passages joined (scaleTexts), the last nq held out as queries.
import { LexicalEmbedder } from '@proxima/wasm';
import { scaleTexts } from '../../../bench/rag/scale.ts';
import type { VectorSet } from '../../../wasm/bench/datasets.ts';
import { locateManPages, passages } from '../../../wasm/bench/man-corpus.ts';

export interface ChimeraSet {
  readonly set: VectorSet;
  /** The n corpus texts, then the nq query texts. */
  readonly texts: readonly string[];
}

export function chimeraSet(n: number, nq: number, dim: number): ChimeraSet {
  const corpus = passages(locateManPages(2000), 40, 20, n + nq);
  const texts = scaleTexts(corpus, n + nq, 11);
  const embedder = new LexicalEmbedder({ dim });
  const embed = (from: number, to: number): Float32Array => {
    const out = new Float32Array((to - from) * dim);
    for (let i = from; i < to; i++) out.set(embedder.embed(texts[i]!), (i - from) * dim);
    return out;
  };
  return {
    set: {
      name: 'chimeras',
      dim,
      data: embed(0, n),
      queries: embed(n, n + nq),
      note: "bench:rag's scale corpus (man-page passages, then halves of two joined)",
    },
    texts,
  };
}
