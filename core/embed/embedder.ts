/**
 * What RAG, the semantic cache and POST /v1/embeddings embed through. Core is pure, so the signal
 * is described by the little of AbortSignal it needs; a real AbortSignal satisfies it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface EmbedOptions {
  readonly signal?: AbortSignalLike;
}

export interface Embedder {
  /**
   * Stable identity an index records beside its vectors, ending in `/<dim>`: e.g.
   * 'lexical-hash-v1/256' or 'openai:<baseUrl>#<model>/<dim>'. Two embedders with the same id give
   * the same vectors; an index never mixes ids (see mixingError).
   */
  readonly id: string;
  readonly dim: number;
  /** Inputs per embed() call it accepts; more is refused (embedAll splits). */
  readonly maxBatch: number;
  /** Longest input, in UTF-16 code units; longer is refused, never silently cut. */
  readonly maxInputChars: number;
  /**
   * One vector per input, same order: unit length, or all zeros for blank text (nothing but
   * white space), which has no direction. Every implementation's output passes checkEmbeddings.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}
