/** Which graph output holds the embeddings, and one float32 vector per text from it. */
import type { Tensor } from 'onnxruntime-node';
import { poolTokens, splitRows, type Pooling } from './pooling.ts';

/** Already one vector per text (sentence-transformers exports). */
const POOLED_OUTPUT = 'sentence_embedding';
/** One vector per token, to pool (transformers and sentence-transformers exports). */
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'] as const;

/** sentence_embedding, else last_hidden_state or token_embeddings, else the first output. */
export function chooseOutput(outputNames: readonly string[], what: string): string {
  const named = [POOLED_OUTPUT, ...TOKEN_OUTPUTS].find((n) => outputNames.includes(n));
  const chosen = named ?? outputNames[0];
  if (chosen === undefined) throw new Error(`${what}: the graph has no outputs`);
  return chosen;
}

function floatsOf(tensor: Tensor, what: string): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  // float16 arrives as a Float16Array where the runtime has one (Node 24), else as raw Uint16Array.
  if ((tensor.type === 'float16' && !(data instanceof Uint16Array)) || tensor.type === 'float64')
    return Float32Array.from(data as ArrayLike<number>);
  throw new Error(`${what} is ${tensor.type}; expected float32, float16 or float64`);
}

export interface OutputVectors {
  readonly vectors: Float32Array[];
  /** True for a [batch, dim] output: pooling was the model's, not ours. */
  readonly pooledByModel: boolean;
}

/** [batch, dim] rows as they are, or [batch, seq, dim] pooled over `mask`. */
export function vectorsOf(
  tensor: Tensor,
  mask: Uint8Array,
  batch: number,
  seq: number,
  pooling: Pooling,
  what: string,
): OutputVectors {
  const dims = tensor.dims;
  const data = floatsOf(tensor, what);
  if (dims.length === 2 && dims[0] === batch)
    return { vectors: splitRows(data, batch, dims[1]!), pooledByModel: true };
  if (dims.length === 3 && dims[0] === batch && dims[1] === seq)
    return { vectors: poolTokens(data, mask, batch, seq, dims[2]!, pooling), pooledByModel: false };
  throw new Error(
    `${what} has shape [${dims.join(', ')}]; expected [${batch}, dim] or [${batch}, ${seq}, dim]`,
  );
}
