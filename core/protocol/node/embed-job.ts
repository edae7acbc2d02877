/**
 * Embedding jobs on the node protocol, as rules both sides share: how the edge splits a request
 * into jobs whose frames fit, what a node may accept, how a node puts its vectors in a frame, and
 * how the edge reads them back. Vectors travel as base64 of little-endian float32 (bit-exact, a
 * third of decimal text), the codec OpenAI's `encoding_format: base64` uses too.
 */
import { base64ToF32, f32ToBase64 } from '../../rag/shard-base64.ts';
import { FRAME_MAX_BYTES, utf8Length } from '../limits.ts';
import {
  EMBED_JOB_LIMITS,
  encode,
  LONGEST_JOB_ID,
  type EmbedJobRequest,
  type EmbeddingFrame,
  type ModelKind,
  type NodeToEdge,
} from './messages.ts';
import type { JobAdmission } from './session/node-jobs.ts';

/** UTF-8 bytes of a job frame for `request` with the longest job id: what the node measures. */
export function embedJobFrameBytes(request: EmbedJobRequest): number {
  return utf8Length(encode({ type: 'embed', jobId: LONGEST_JOB_ID, request }));
}

/**
 * The jobs for an embeddings request, in order: each holds at most EMBED_JOB_LIMITS.inputsPerJob
 * inputs and its frame fits FRAME_MAX_BYTES. Inputs within EMBED_JOB_LIMITS.inputChars always fit
 * one frame on their own; a longer one is the caller's bug (RangeError).
 */
export function embedJobBatches(
  model: string,
  inputs: readonly string[],
  dimensions?: number,
): EmbedJobRequest[] {
  const base = { model, ...(dimensions === undefined ? {} : { dimensions }) };
  // The frame with no inputs, then each input adds its JSON text and a comma (after the first).
  const envelope = embedJobFrameBytes({ ...base, inputs: [] });
  const jobs: EmbedJobRequest[] = [];
  let batch: string[] = [];
  let bytes = envelope;
  for (const [i, input] of inputs.entries()) {
    const cost = utf8Length(JSON.stringify(input));
    if (envelope + cost > FRAME_MAX_BYTES)
      throw new RangeError(`input ${i} does not fit one embedding job frame`);
    const full =
      batch.length >= EMBED_JOB_LIMITS.inputsPerJob ||
      bytes + cost + (batch.length > 0 ? 1 : 0) > FRAME_MAX_BYTES;
    if (full) {
      jobs.push({ ...base, inputs: batch });
      batch = [];
      bytes = envelope;
    }
    bytes += cost + (batch.length > 0 ? 1 : 0);
    batch.push(input);
  }
  if (batch.length > 0) jobs.push({ ...base, inputs: batch });
  return jobs;
}

/** What the node knows when an embedding job arrives (agent.ts and the edge tests' node). */
export interface EmbedNodeState {
  readonly draining: boolean;
  /** The kind of each model it serves; undefined for a model it does not serve. */
  readonly kindOf: (model: string) => ModelKind | undefined;
  readonly has: (jobId: string) => boolean;
}

/** Whether the node takes an embedding job: the mirror of admitJob for `embed` frames. */
export function admitEmbedJob(
  state: EmbedNodeState,
  jobId: string,
  request: EmbedJobRequest,
): JobAdmission {
  if (state.has(jobId)) return { kind: 'duplicate' };
  const refuse = (code: string, message: string): JobAdmission => ({
    kind: 'refuse',
    frame: { type: 'error', jobId, code, message },
  });
  if (state.draining) return refuse('draining', 'node is draining');
  const kind = state.kindOf(request.model);
  if (kind === undefined)
    return refuse('model_not_served', `this node does not serve '${request.model}'`);
  if (kind !== 'embed')
    return refuse('model_not_served', `'${request.model}' on this node is not an embedding model`);
  return { kind: 'accept' };
}

/**
 * Null when `vectors` answer `request`: one per input, all of one length within
 * 1..EMBED_JOB_LIMITS.maxDim (the requested `dimensions` when given), every value finite.
 * Otherwise what is wrong, for the log.
 */
export function embeddingVectorsProblem(
  vectors: readonly ArrayLike<number>[],
  request: Pick<EmbedJobRequest, 'inputs' | 'dimensions'>,
): string | null {
  if (vectors.length !== request.inputs.length)
    return `${vectors.length} vectors for ${request.inputs.length} inputs`;
  const dim = vectors[0]?.length ?? 0;
  if (dim < 1 || dim > EMBED_JOB_LIMITS.maxDim)
    return `${dim} dimensions, not within 1..${EMBED_JOB_LIMITS.maxDim}`;
  if (request.dimensions !== undefined && dim !== request.dimensions)
    return `${dim} dimensions where ${request.dimensions} were asked for`;
  for (const [i, vector] of vectors.entries()) {
    if (vector.length !== dim) return `vector ${i} has ${vector.length} dimensions, not ${dim}`;
    for (let j = 0; j < dim; j++)
      if (!Number.isFinite(vector[j])) return `vector ${i} holds a non-finite value`;
  }
  return null;
}

/**
 * The node's answer to an embedding job: the `embedding` frame, or an `engine_failed` error frame
 * when the engine's vectors do not answer the job (so a bad engine fails the job, never the frame).
 */
export function embeddingResultFrame(
  jobId: string,
  request: EmbedJobRequest,
  result: { readonly vectors: readonly Float32Array[]; readonly promptTokens: number },
): NodeToEdge {
  const problem =
    embeddingVectorsProblem(result.vectors, request) ??
    (Number.isSafeInteger(result.promptTokens) && result.promptTokens >= 0
      ? null
      : `promptTokens ${result.promptTokens} is not a count`);
  if (problem !== null)
    return { type: 'error', jobId, code: 'engine_failed', message: `bad embeddings: ${problem}` };
  return {
    type: 'embedding',
    jobId,
    vectors: result.vectors.map(f32ToBase64),
    promptTokens: result.promptTokens,
  };
}

export type EmbeddingResult =
  | { readonly ok: true; readonly vectors: Float32Array[]; readonly promptTokens: number }
  | { readonly ok: false; readonly reason: string };

/** The edge's reading of an `embedding` frame for `request`: the vectors, or why they are refused. */
export function decodeEmbeddingResult(
  frame: Pick<EmbeddingFrame, 'vectors' | 'promptTokens'>,
  request: Pick<EmbedJobRequest, 'inputs' | 'dimensions'>,
): EmbeddingResult {
  const vectors: Float32Array[] = [];
  for (const [i, text] of frame.vectors.entries()) {
    const vector = base64ToF32(text);
    if (vector === null)
      return { ok: false, reason: `vector ${i} is not base64 of little-endian float32` };
    vectors.push(vector);
  }
  const problem = embeddingVectorsProblem(vectors, request);
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, vectors, promptTokens: frame.promptTokens };
}
