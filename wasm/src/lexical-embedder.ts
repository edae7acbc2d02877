// The built-in offline embedder: signed feature hashing of words, word bigrams and character
// trigrams into a fixed dimension, with sublinear term weights, then L2 normalisation. No model and
// no download: the same text gives the same vector everywhere. What it can and cannot match is in
// docs/design/0021-lexical-embedder.md.
import { hash32, STOPWORDS, tokenize } from '@proxima/core/text';

// Re-exported: callers of @proxima/wasm have always found the tokenizer here.
export { tokenize };

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
const STOP_WEIGHT = 0.1;

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
      const h = hash32(family, key.slice(colon + 1));
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
