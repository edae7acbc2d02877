import { ProximaError } from '../protocol/errors.ts';
import type { EmbedOptions, Embedder } from './embedder.ts';

/** How far from 1 a norm may be and still count as unit length (float32 rounding, JSON digits). */
export const UNIT_NORM_TOLERANCE = 1e-5;

/** Blank text has no direction: every embedder answers it with the zero vector. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/**
 * Refuses what the embedder does not take: a 400 naming the input (`<param>[i]`), never a silent
 * cut. Run before any work, so a refused batch costs nothing.
 */
export function checkInputs(
  embedder: Pick<Embedder, 'maxInputChars'>,
  texts: readonly string[],
  param = 'input',
): void {
  texts.forEach((text, i) => {
    if (text.length > embedder.maxInputChars) {
      throw new ProximaError(
        'invalid_request',
        `Invalid '${param}[${i}]': ${text.length} characters, over this embedder's limit of ${embedder.maxInputChars}; split the text.`,
        { param: `${param}[${i}]` },
      );
    }
  });
}

/**
 * What every embed() checks before any work: the caller has not given up, the batch is within
 * maxBatch, and each input within maxInputChars.
 */
export function checkCall(
  embedder: Pick<Embedder, 'id' | 'maxBatch' | 'maxInputChars'>,
  texts: readonly string[],
  options: EmbedOptions = {},
): void {
  const signal = options.signal;
  if (signal?.aborted) {
    throw signal.reason instanceof Error
      ? signal.reason
      : new Error('embedding cancelled', { cause: signal.reason });
  }
  checkBatch(embedder, texts.length);
  checkInputs(embedder, texts);
}

/** The batch limit, checked by every embed(); callers with more inputs use embedAll. */
export function checkBatch(embedder: Pick<Embedder, 'id' | 'maxBatch'>, count: number): void {
  if (count > embedder.maxBatch) {
    throw new RangeError(
      `embedder ${embedder.id} takes at most ${embedder.maxBatch} inputs per call, got ${count}; use embedAll to split`,
    );
  }
}

/**
 * The one check every embedder's output goes through: `count` vectors of `dim` finite float32
 * values, each unit length (normalised here when it is not) or zero. Anything else is an error
 * naming the embedder: a wrong answer must never reach an index.
 */
export function checkEmbeddings(
  vectors: readonly ArrayLike<number>[],
  count: number,
  dim: number,
  id: string,
): Float32Array[] {
  if (vectors.length !== count) {
    throw new Error(`embedder ${id} returned ${vectors.length} vectors for ${count} inputs`);
  }
  return vectors.map((vector, i) => {
    if (vector.length !== dim) {
      throw new Error(`embedder ${id} returned ${vector.length} dimensions at [${i}], not ${dim}`);
    }
    const out = vector instanceof Float32Array ? vector : Float32Array.from(vector);
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const x = out[j]!;
      // Checked after the float32 conversion: a huge double becomes Infinity there.
      if (!Number.isFinite(x))
        throw new Error(`embedder ${id} returned a non-finite value at [${i}]`);
      sum += x * x;
    }
    const norm = Math.sqrt(sum);
    if (norm === 0 || Math.abs(norm - 1) <= UNIT_NORM_TOLERANCE) return out;
    const scaled = new Float32Array(dim);
    for (let j = 0; j < dim; j++) scaled[j] = out[j]! / norm;
    return scaled;
  });
}

/**
 * Null when an index built by `indexEmbedderId` (of `indexDim` dimensions) can be searched and
 * extended with `embedder`; otherwise the 409 to throw. Vectors of two embedders are not
 * comparable even at the same dimension, so the ids must match exactly.
 */
export function mixingError(
  indexEmbedderId: string,
  indexDim: number,
  embedder: Pick<Embedder, 'id' | 'dim'>,
): ProximaError | null {
  if (indexEmbedderId === embedder.id && indexDim === embedder.dim) return null;
  return new ProximaError(
    'conflict',
    `This index was built with embedder ${indexEmbedderId} (${indexDim} dimensions); the configured one is ${embedder.id} (${embedder.dim} dimensions). Vectors of different embedders do not mix: re-index with the configured embedder, or configure the index's one again (EMBEDDER).`,
  );
}
