// BM25 analysis: words → stopword filter → Porter stem → 32-bit term id. Shards store term ids, not
// words, so their storage holds no plaintext terms. That is not encryption: anyone holding the
// hash can hash a dictionary, so common words are reversible; it only keeps text out of plain view.
import { stemmer } from 'stemmer';
import { hash32, STOPWORDS, tokenize } from '../text/index.ts';
import { RAG_LIMITS } from './limits.ts';

/**
 * The embedder's stopwords plus the rest of a common English list: BM25 has idf to weigh words,
 * but postings for these would be as long as the corpus and carry nothing.
 */
export const BM25_STOPWORDS: ReadonlySet<string> = new Set([
  ...STOPWORDS,
  ...(
    'about after again all also am any been before being both but can could did do does doing down ' +
    'during each few further had having he her here hers herself him himself his how i if into me ' +
    'more most my myself no nor not once only other our ours ourselves out over own same she should ' +
    'so some such than their theirs them themselves then there these they those through too under ' +
    'until up very we what when where which while who whom why would you your yours yourself yourselves'
  ).split(' '),
]);

/** The seed that makes term ids differ from the embedder's feature hashes ("BM25"). */
const TERM_SEED = 0x424d3235;

/** Porter's rules are English; words with digits or other scripts are kept as they are. */
const ENGLISH_WORD = /^[a-z]+$/;

/** The terms BM25 indexes for `text`, in order, repeats kept. */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const word of tokenize(text)) {
    if (BM25_STOPWORDS.has(word)) continue;
    out.push(ENGLISH_WORD.test(word) ? stemmer(word) : word);
  }
  return out;
}

/** A term's u32 id. Distinct terms collide with probability ~2^-32 a pair (a few in a 100k vocabulary). */
export function termId(term: string): number {
  return hash32(TERM_SEED, term);
}

/** termId → term frequency for a document or chunk. */
export function termsOf(text: string): Map<number, number> {
  const tf = new Map<number, number>();
  for (const term of analyze(text)) {
    const id = termId(term);
    tf.set(id, (tf.get(id) ?? 0) + 1);
  }
  return tf;
}

/** A query's distinct term ids in order of first use, at most RAG_LIMITS.queryTerms. */
export function queryTermIds(text: string): number[] {
  const ids = new Set<number>();
  for (const term of analyze(text)) {
    if (ids.size === RAG_LIMITS.queryTerms) break;
    ids.add(termId(term));
  }
  return [...ids];
}
