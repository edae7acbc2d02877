// Word tokens shared by the lexical embedder and BM25: one definition, so the two agree on what a
// word is.

const TOKEN = /[\p{L}\p{N}]+/gu;

/** NFKC-normalised, lower-cased runs of letters and digits; everything else separates words. */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

/**
 * The commonest English function words. The embedder damps them; BM25 extends this list
 * (core/rag/terms.ts) and drops them. Changing it changes the embedder's vectors.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with'.split(
    ' ',
  ),
);
