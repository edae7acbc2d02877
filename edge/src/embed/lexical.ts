import {
  checkCall,
  checkEmbeddings,
  EMBED_LIMITS,
  type EmbedOptions,
  type Embedder,
} from '@proxima/core/embed';
import { LexicalEmbedder } from '@proxima/wasm';

/**
 * The built-in embedder (wasm/src/lexical-embedder.ts, docs/design/0021): no model, no network,
 * the same vector everywhere. Text without letters or digits (blank text among it) gives the zero
 * vector.
 */
export class LexicalHashEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  /** Embedding is local and cheap: one request's worth of inputs in one call. */
  readonly maxBatch = EMBED_LIMITS.inputsPerRequest;
  readonly maxInputChars = EMBED_LIMITS.inputChars;
  private readonly inner: LexicalEmbedder;

  constructor(dim?: number) {
    this.inner = new LexicalEmbedder(dim === undefined ? {} : { dim });
    this.dim = this.inner.dim;
    this.id = `${this.inner.name}/${this.dim}`;
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    // Synchronous work, but a refusal is a rejection, as callers of embed() expect.
    return new Promise((resolve) => {
      checkCall(this, texts, options);
      const vectors = texts.map((t) => this.inner.embed(t));
      resolve(checkEmbeddings(vectors, texts.length, this.dim, this.id));
    });
  }
}
