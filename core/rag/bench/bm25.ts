// npx node core/rag/bench/bm25.ts — one shard's BM25 query: the exhaustive term-at-a-time path vs
// MaxScore pruning (Bm25Index.candidates). N = 20 000 rows of Debian man pages cut by chunkText
// (a Zipf-distributed synthetic corpus when the pages are missing); queries of 5, 20 and 40
// distinct terms taken from held-out chunks. Both paths must give the same answer for every query
// (the bench stops otherwise); it prints p50/p99 CPU ms of each and, last, a JSON line.
import { isDeepStrictEqual } from 'node:util';
import { manPageText, readManPages } from '../../../bench/rag/man-pages.ts';
import { stopwatch } from '../../../wasm/bench/timing.ts';
import { seededRng, type Rng } from '../../lsh/prng.ts';
import { Bm25Index, type Bm25ShardAnswer } from '../bm25.ts';
import { chunkText } from '../chunk.ts';
import { analyze, termId, termsOf } from '../terms.ts';

const N = Number(process.env['BM25_BENCH_N'] ?? 20_000);
const QUERIES = Number(process.env['BM25_BENCH_QUERIES'] ?? 200);
const TERM_COUNTS = [5, 20, 40];
/** 40 is what a search with the default topK asks each shard for (max(40, topK × 4)); 200 is topK 50. */
const LIMITS = [40, 200];
const log = (s: string): void => console.log(s);

interface Corpus {
  readonly name: string;
  readonly note: string;
  /** Per row, its text. */
  readonly rows: readonly string[];
  /** Held-out texts, for queries. */
  readonly held: readonly string[];
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function manCorpus(n: number, held: number): Corpus {
  const pages = shuffle([...readManPages()], seededRng(7));
  const rows: string[] = [];
  let used = 0;
  for (const page of pages) {
    if (rows.length >= n + held) break;
    used++;
    for (const chunk of chunkText(manPageText(page), { maxChunks: Number.MAX_SAFE_INTEGER })) {
      if (analyze(chunk.text).length > 0) rows.push(chunk.text);
    }
  }
  if (rows.length < n + held)
    throw new Error(`man pages gave ${rows.length} chunks; need ${n + held}`);
  // Held-out chunks come from the last pages read, so queries are (almost all) not indexed text.
  return {
    name: 'manpages',
    note: `${used} of ${pages.length} man pages → chunks of ~1200 chars`,
    rows: rows.slice(0, n),
    held: rows.slice(rows.length - held),
  };
}

/** Rows of ~150 terms from a 50 000-word vocabulary with Zipf (s = 1) frequencies. */
function zipfCorpus(n: number, held: number): Corpus {
  const vocab = 50_000;
  const cdf = new Float64Array(vocab);
  let sum = 0;
  for (let r = 0; r < vocab; r++) cdf[r] = sum += 1 / (r + 1);
  const rng = seededRng(7);
  const word = (): string => {
    const x = rng.next() * sum;
    let lo = 0;
    let hi = vocab - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lettersOf(lo);
  };
  const text = (): string =>
    Array.from({ length: 80 + Math.floor(rng.next() * 140) }, word).join(' ');
  return {
    name: 'zipf',
    note: `synthetic: Zipf(1) over ${vocab} words, 80-220 terms a row`,
    rows: Array.from({ length: n }, text),
    held: Array.from({ length: held }, text),
  };
}

/** A made-up word for rank r: "q" and r in base 26 (letters only, so no stopword, few stems). */
function lettersOf(r: number): string {
  let word = 'q';
  do {
    word += String.fromCharCode(97 + (r % 26));
    r = Math.floor(r / 26);
  } while (r > 0);
  return word;
}

/** `count` distinct term ids of a held-out text, from a random start; null if it has too few. */
function queryOf(text: string, count: number, rng: Rng): number[] | null {
  const terms = analyze(text);
  const start = Math.floor(rng.next() * terms.length);
  const ids = new Set<number>();
  for (let i = 0; i < terms.length && ids.size < count; i++) {
    ids.add(termId(terms[(start + i) % terms.length]!));
  }
  return ids.size === count ? [...ids] : null;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Result {
  readonly terms: number;
  readonly limit: number;
  /** Share of rows a metadata filter (`accept`) lets through; 1 without one. */
  readonly accepted: number;
  readonly queries: number;
  readonly exhaustive: { readonly p50: number; readonly p99: number };
  readonly pruned: { readonly p50: number; readonly p99: number };
  readonly speedupP50: number;
}

/** CPU time of this process, not wall time: the machine is shared, and a query is synchronous. */
function timed(run: () => Bm25ShardAnswer): { ms: number; answer: Bm25ShardAnswer } {
  const lap = stopwatch();
  const answer = run();
  return { ms: lap().cpu * 1000, answer };
}

function measure(
  index: Bm25Index,
  queries: readonly number[][],
  limit: number,
  accepted: number,
): Result {
  const accept =
    accepted === 1 ? undefined : (row: number) => ((row * 2654435761) >>> 0) / 2 ** 32 < accepted;
  // Warm up both paths (JIT) on the first queries.
  for (const q of queries.slice(0, 20)) {
    index.exhaustiveCandidates(q, limit, accept);
    index.candidates(q, limit, accept);
  }
  const old: number[] = [];
  const pruned: number[] = [];
  for (const q of queries) {
    const a = timed(() => index.exhaustiveCandidates(q, limit, accept));
    const b = timed(() => index.candidates(q, limit, accept));
    if (!isDeepStrictEqual(a.answer, b.answer)) {
      throw new Error(`pruned answer differs from the exhaustive one for query ${q.join(',')}`);
    }
    old.push(a.ms);
    pruned.push(b.ms);
  }
  old.sort((x, y) => x - y);
  pruned.sort((x, y) => x - y);
  const round = (x: number): number => Number(x.toFixed(3));
  const stats = (s: number[]) => ({
    p50: round(percentile(s, 0.5)),
    p99: round(percentile(s, 0.99)),
  });
  return {
    terms: queries[0]?.length ?? 0,
    limit,
    accepted,
    queries: queries.length,
    exhaustive: stats(old),
    pruned: stats(pruned),
    speedupP50: Number((percentile(old, 0.5) / percentile(pruned, 0.5)).toFixed(1)),
  };
}

let corpus: Corpus;
try {
  if (process.env['BM25_BENCH_CORPUS'] === 'zipf') throw new Error('BM25_BENCH_CORPUS=zipf');
  corpus = manCorpus(N, QUERIES * 2);
} catch (err) {
  log(`man pages not used (${err instanceof Error ? err.message : String(err)}); Zipf corpus`);
  corpus = zipfCorpus(N, QUERIES * 2);
}
const index = new Bm25Index();
corpus.rows.forEach((text, row) => index.add(row, termsOf(text)));
log(
  `bm25 bench: ${corpus.name}, ${corpus.note}; ${index.size} rows, ` +
    `avg length ${(index.totalLength / index.size).toFixed(1)} terms`,
);
const results: Result[] = [];
for (const count of TERM_COUNTS) {
  const rng = seededRng(count);
  const queries = corpus.held
    .map((text) => queryOf(text, count, rng))
    .filter((q): q is number[] => q !== null)
    .slice(0, QUERIES);
  const runs = [...LIMITS.map((limit) => ({ limit, accepted: 1 })), { limit: 40, accepted: 0.5 }];
  for (const { limit, accepted } of runs) {
    const r = measure(index, queries, limit, accepted);
    results.push(r);
    const filter = accepted === 1 ? '' : `, accept ${accepted * 100}%`;
    log(
      `${String(count).padStart(2)} terms, limit ${String(limit).padStart(3)}${filter}, ${r.queries} queries: ` +
        `exhaustive p50 ${r.exhaustive.p50} ms p99 ${r.exhaustive.p99} ms | ` +
        `pruned p50 ${r.pruned.p50} ms p99 ${r.pruned.p99} ms | ×${r.speedupP50} at p50`,
    );
  }
}
console.log(JSON.stringify({ corpus: corpus.name, rows: index.size, results }));
