import { describe, expect, it } from 'vitest';
import { f32ToBase64 } from '../../rag/shard-base64.ts';
import { FRAME_MAX_BYTES, utf8Length } from '../limits.ts';
import {
  admitEmbedJob,
  decodeEmbeddingResult,
  embeddingResultFrame,
  embedJobBatches,
  embedJobFrameBytes,
  type EmbedNodeState,
} from './embed-job.ts';
import {
  EMBED_JOB_LIMITS,
  encode,
  jobIdOfRejectedFrame,
  jobIdOfRejectedResult,
  LONGEST_JOB_ID,
  parseEdgeToNode,
  parseNodeToEdge,
  type EmbedJobRequest,
} from './messages.ts';
import { sampleHello } from './testing.ts';

const request = (inputs: string[], dimensions?: number): EmbedJobRequest => ({
  model: 'embedder',
  inputs,
  ...(dimensions === undefined ? {} : { dimensions }),
});

/** A vector of `dim` values that take the most base64 (no run of zero bytes, all finite). */
function denseVector(dim: number, seed: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = -1.2345678e-7 * (i + seed + 1);
  return v;
}

describe('embedding job bounds', () => {
  it('the largest allowed result (inputsPerJob vectors of maxDim) fits one frame and parses', () => {
    const { inputsPerJob, maxDim, vectorBase64Chars } = EMBED_JOB_LIMITS;
    expect(f32ToBase64(denseVector(maxDim, 0)).length).toBe(vectorBase64Chars);
    const frame = encode({
      type: 'embedding',
      jobId: LONGEST_JOB_ID,
      vectors: Array.from({ length: inputsPerJob }, (_, i) => f32ToBase64(denseVector(maxDim, i))),
      promptTokens: Number.MAX_SAFE_INTEGER,
    });
    expect(utf8Length(frame)).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    expect(parseNodeToEdge(frame).ok).toBe(true);
  });

  it('refuses a result with more vectors than a job may hold, or a vector past maxDim', () => {
    const small = f32ToBase64(denseVector(4, 0));
    const tooMany = encode({
      type: 'embedding',
      jobId: 'j',
      vectors: Array<string>(EMBED_JOB_LIMITS.inputsPerJob + 1).fill(small),
      promptTokens: 1,
    });
    expect(parseNodeToEdge(tooMany)).toMatchObject({ ok: false, reason: /vectors/ });
    const wide = encode({
      type: 'embedding',
      jobId: 'j',
      vectors: [f32ToBase64(denseVector(EMBED_JOB_LIMITS.maxDim + 1, 0))],
      promptTokens: 1,
    });
    expect(parseNodeToEdge(wide)).toMatchObject({ ok: false, reason: /vectors\[0\]/ });
  });

  it('refuses embed jobs outside the bounds, naming the field', () => {
    const job = (req: Record<string, unknown>) =>
      JSON.stringify({ type: 'embed', jobId: 'j1', request: { model: 'm', ...req } });
    expect(parseEdgeToNode(job({ inputs: ['a'] })).ok).toBe(true);
    expect(parseEdgeToNode(job({ inputs: ['a'], dimensions: 3 })).ok).toBe(true);
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ inputs: [] }, /request\.inputs/],
      [{ inputs: [''] }, /request\.inputs\[0\]/],
      [{ inputs: ['\ud800'] }, /request\.inputs\[0\]/],
      [{ inputs: ['x'.repeat(EMBED_JOB_LIMITS.inputChars + 1)] }, /request\.inputs\[0\]/],
      [{ inputs: Array<string>(EMBED_JOB_LIMITS.inputsPerJob + 1).fill('a') }, /inputs/],
      [{ inputs: ['a'], dimensions: 0 }, /request\.dimensions/],
      [{ inputs: ['a'], dimensions: EMBED_JOB_LIMITS.maxDim + 1 }, /request\.dimensions/],
      [{ inputs: ['a'], dimensions: 1.5 }, /request\.dimensions/],
      [{ inputs: 'a' }, /request\.inputs/],
    ];
    for (const [req, reason] of refusals)
      expect(parseEdgeToNode(job(req)), JSON.stringify(req).slice(0, 80)).toMatchObject({
        ok: false,
        reason,
      });
  });

  it('names the job of a rejected embed frame (node side) and of a rejected result (edge side)', () => {
    expect(jobIdOfRejectedFrame('{"type":"embed","jobId":"j-7","request":{}}')).toBe('j-7');
    expect(jobIdOfRejectedResult('{"type":"embedding","jobId":"j-8","vectors":[1]}')).toBe('j-8');
    expect(jobIdOfRejectedResult('{"type":"chunk","jobId":"j-8"}')).toBeNull();
    expect(jobIdOfRejectedResult('{"type":"embedding","jobId":"a b"}')).toBeNull();
  });
});

describe('hello: model kinds', () => {
  const parseHello = (models: unknown[]) =>
    parseNodeToEdge(JSON.stringify({ ...sampleHello(), models }));

  it('keeps known kinds, treats absence as generate, and drops models of unknown kinds', () => {
    const parsed = parseHello([
      { id: 'chat', contextSize: 512, description: '' },
      { id: 'vectors', kind: 'embed', contextSize: 512, description: '' },
      { id: 'reader', kind: 'ocr', contextSize: 1, description: '' },
      { id: 'future', kind: 'rerank', contextSize: 512, description: '' },
    ]);
    if (!parsed.ok || parsed.message.type !== 'hello') throw new Error(JSON.stringify(parsed));
    expect(parsed.message.models.map((m) => [m.id, m.kind])).toEqual([
      ['chat', undefined],
      ['vectors', 'embed'],
      ['reader', 'ocr'],
    ]);
  });

  it('refuses a kind that is not a name', () => {
    expect(
      parseHello([{ id: 'm', kind: 'Not A Kind', contextSize: 1, description: '' }]),
    ).toMatchObject({ ok: false, reason: /models\[0\]\.kind/ });
  });
});

describe('embedJobBatches', () => {
  it('cuts at inputsPerJob inputs', () => {
    const inputs = Array.from({ length: 2 * EMBED_JOB_LIMITS.inputsPerJob + 3 }, (_, i) => `t${i}`);
    const jobs = embedJobBatches('m', inputs, 8);
    expect(jobs.map((j) => j.inputs.length)).toEqual([
      EMBED_JOB_LIMITS.inputsPerJob,
      EMBED_JOB_LIMITS.inputsPerJob,
      3,
    ]);
    expect(jobs.every((j) => j.model === 'm' && j.dimensions === 8)).toBe(true);
    expect(jobs.flatMap((j) => j.inputs)).toEqual(inputs);
  });

  it('cuts earlier when the frame would not fit (inputs of control characters, escaped as \\u00XX)', () => {
    const worst = '\u0001'.repeat(EMBED_JOB_LIMITS.inputChars);
    const jobs = embedJobBatches('m', Array<string>(20).fill(worst));
    expect(jobs.length).toBeGreaterThan(1);
    for (const job of jobs)
      expect(
        utf8Length(encode({ type: 'embed', jobId: LONGEST_JOB_ID, request: job })),
      ).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    expect(jobs.flatMap((j) => j.inputs)).toHaveLength(20);
  });

  it('fills a frame to the byte and cuts one byte later', () => {
    const full = '€'.repeat(EMBED_JOB_LIMITS.inputChars);
    const head = Array<string>(21).fill(full);
    // The last input's euros (3 bytes each) and ASCII (1 byte) make the frame exactly full.
    const room = FRAME_MAX_BYTES - embedJobFrameBytes(request([...head, '']));
    const last = '€'.repeat(Math.floor(room / 3)) + 'a'.repeat(room % 3);
    expect(last.length).toBeLessThanOrEqual(EMBED_JOB_LIMITS.inputChars);
    expect(embedJobFrameBytes(request([...head, last]))).toBe(FRAME_MAX_BYTES);
    expect(embedJobBatches('embedder', [...head, last]).map((j) => j.inputs.length)).toEqual([22]);
    expect(embedJobBatches('embedder', [...head, `${last}a`]).map((j) => j.inputs.length)).toEqual([
      21, 1,
    ]);
  });

  it('refuses an input that could not fit a frame alone', () => {
    expect(() => embedJobBatches('m', ['\u0001'.repeat(FRAME_MAX_BYTES / 6 + 1)])).toThrow(
      RangeError,
    );
  });
});

describe('results', () => {
  const job = request(['a', 'b']);

  it('round-trips vectors bit-exact through the frame', () => {
    const vectors = [Float32Array.of(0.1, -2, 3.5e-30), Float32Array.of(-0, 1, Math.PI)];
    const frame = embeddingResultFrame('j1', job, { vectors, promptTokens: 7 });
    const parsed = parseNodeToEdge(encode(frame));
    if (!parsed.ok || parsed.message.type !== 'embedding') throw new Error(JSON.stringify(parsed));
    const decoded = decodeEmbeddingResult(parsed.message, job);
    expect(decoded).toEqual({ ok: true, vectors, promptTokens: 7 });
    if (decoded.ok) expect(Object.is(decoded.vectors[1]![0], -0)).toBe(true);
  });

  it('a node whose engine answers wrongly sends an error for that job, not a bad frame', () => {
    const bad: Array<[Float32Array[], RegExp]> = [
      [[Float32Array.of(1)], /1 vectors for 2 inputs/],
      [[Float32Array.of(1), Float32Array.of(1, 2)], /vector 1 has 2 dimensions, not 1/],
      [[Float32Array.of(1), Float32Array.of(Number.NaN)], /non-finite/],
      [[new Float32Array(0), new Float32Array(0)], /0 dimensions/],
    ];
    for (const [vectors, reason] of bad) {
      const frame = embeddingResultFrame('j1', job, { vectors, promptTokens: 1 });
      expect(frame).toMatchObject({ type: 'error', jobId: 'j1', code: 'engine_failed' });
      expect(frame.type === 'error' && frame.message).toMatch(reason);
    }
    const asked = embeddingResultFrame('j1', request(['a'], 3), {
      vectors: [Float32Array.of(1, 2)],
      promptTokens: 1,
    });
    expect(asked).toMatchObject({ type: 'error', message: /2 dimensions where 3 were asked/ });
    const tokens = embeddingResultFrame('j1', request(['a']), {
      vectors: [Float32Array.of(1)],
      promptTokens: -1,
    });
    expect(tokens).toMatchObject({ type: 'error', message: /promptTokens/ });
  });

  it('the edge refuses results that do not answer the job', () => {
    const b64 = (...values: number[]) => f32ToBase64(Float32Array.from(values));
    const cases: Array<[string[], RegExp]> = [
      [[b64(1, 2)], /1 vectors for 2 inputs/],
      [[b64(1, 2), b64(1)], /vector 1 has 1 dimensions/],
      [[b64(1), b64(Number.POSITIVE_INFINITY)], /non-finite/],
      [[b64(1), 'AAAAAAA='], /not base64 of little-endian float32/],
      [[b64(1), 'AAAAAB=='], /not base64/],
    ];
    for (const [vectors, reason] of cases)
      expect(decodeEmbeddingResult({ vectors, promptTokens: 1 }, job)).toMatchObject({
        ok: false,
        reason,
      });
    expect(
      decodeEmbeddingResult({ vectors: [b64(1, 2)], promptTokens: 1 }, request(['a'], 3)),
    ).toMatchObject({ ok: false, reason: /where 3 were asked/ });
  });
});

describe('admitEmbedJob', () => {
  const state = (over: Partial<EmbedNodeState> = {}): EmbedNodeState => ({
    draining: false,
    kindOf: (model) => (model === 'vec' ? 'embed' : model === 'chat' ? 'generate' : undefined),
    has: () => false,
    ...over,
  });
  const req = (model: string) => ({ model, inputs: ['x'] });

  it('accepts a job for an embedding model it serves', () => {
    expect(admitEmbedJob(state(), 'j', req('vec'))).toEqual({ kind: 'accept' });
  });

  it('refuses while draining, for models it does not serve, and for models of another kind', () => {
    expect(admitEmbedJob(state({ draining: true }), 'j', req('vec'))).toMatchObject({
      kind: 'refuse',
      frame: { type: 'error', jobId: 'j', code: 'draining' },
    });
    expect(admitEmbedJob(state(), 'j', req('nope'))).toMatchObject({
      frame: { code: 'model_not_served' },
    });
    expect(admitEmbedJob(state(), 'j', req('chat'))).toMatchObject({
      frame: { code: 'model_not_served', message: /not an embedding model/ },
    });
  });

  it('ignores a second frame for a job it has', () => {
    expect(admitEmbedJob(state({ has: () => true }), 'j', req('vec'))).toEqual({
      kind: 'duplicate',
    });
  });
});
