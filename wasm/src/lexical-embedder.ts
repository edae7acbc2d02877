// The built-in offline embedder: signed feature hashing of words, word bigrams and character
// trigrams into a fixed dimension, with sublinear term weights, then L2 normalisation. No model and
// no download: the same text gives the same vector everywhere. What it can and cannot match is in
// docs/design/0021-lexical-embedder.md.

export interface LexicalEmbedderOptions {
  /** Output dimension, 256–384 (default 256). */
  readonly dim?: number;
}

// Feature families and their weights: whole words carry meaning, bigrams carry phrase order,
// trigrams tolerate typos and inflection.
const WORD = 0x9e3779b1;
const BIGRAM = 0x85ebca77;
const TRIGRAM = 0xc2b2ae3d;
const WEIGHTS = new Map([
  [WORD, 1],
  [BIGRAM, 0.6],
  [TRIGRAM, 0.3],
]);

// Without corpus statistics (no IDF) the commonest function words would dominate; damp them.
const STOPWORDS = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with'.split(
    ' ',
  ),
);
const STOP_WEIGHT = 0.1;

const TOKEN = /[\p{L}\p{N}]+/gu;

/** FNV-1a over UTF-16 units, seeded per feature family, then the murmur3 finaliser to mix. */
function hash(seed: number, s: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

export class LexicalEmbedder {
  readonly dim: number;
  readonly name = 'lexical-hash-v1';

  constructor(options: LexicalEmbedderOptions = {}) {
    const dim = options.dim ?? 256;
    if (!Number.isInteger(dim) || dim < 256 || dim > 384) {
      throw new RangeError(`lexical embedder dim must be an integer in 256..384, got ${dim}`);
    }
    this.dim = dim;
  }

  /** Unit vector for the text; the zero vector when the text has no letters or digits. */
  embed(text: string): Float32Array {
    const counts = new Map<string, number>();
    const add = (family: number, f: string, w: number): void => {
      const key = `${family}:${f}`;
      counts.set(key, (counts.get(key) ?? 0) + w);
    };
    const words = tokenize(text);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const stop = STOPWORDS.has(w) ? STOP_WEIGHT : 1;
      add(WORD, w, stop);
      if (i > 0) add(BIGRAM, `${words[i - 1]!} ${w}`, stop);
      if (stop === 1) {
        const m = `<${w}>`;
        for (let j = 0; j + 3 <= m.length; j++) add(TRIGRAM, m.slice(j, j + 3), 1);
      }
    }
    const v = new Float64Array(this.dim);
    for (const [key, tf] of counts) {
      const colon = key.indexOf(':');
      const family = Number(key.slice(0, colon));
      const h = hash(family, key.slice(colon + 1));
      // Sublinear term frequency, signed so that collisions cancel in expectation.
      const weight = (WEIGHTS.get(family) ?? 1) * (tf >= 1 ? 1 + Math.log(tf) : tf);
      v[h % this.dim]! += h & 0x80000000 ? -weight : weight;
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    const out = new Float32Array(this.dim);
    if (norm === 0) return out;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < this.dim; i++) out[i] = v[i]! * inv;
    return out;
  }
}
