// Properties of embedding jobs within EMBED_JOB_LIMITS: any request the embeddings API accepts
// splits into jobs whose frames fit and parse, and any vectors a node may send reach the edge
// bit-exact, while anything else is refused without a throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMBED_LIMITS } from '../../embed/limits.ts';
import { FRAME_MAX_BYTES, utf8Length } from '../limits.ts';
import { decodeEmbeddingResult, embeddingResultFrame, embedJobBatches } from './embed-job.ts';
import {
  EMBED_JOB_LIMITS,
  encode,
  LONGEST_JOB_ID,
  parseEdgeToNode,
  parseNodeToEdge,
} from './messages.ts';

const SEED = 7_007;

/** Characters that cost the most per UTF-16 unit in a frame, and plain ones. */
const UNITS = ['a', ' ', 'é', '€', '😀', '\u0001', '"', '\\', '\n'];

/** One input within the API's bounds: a run of one character (cheap to make at any length). */
const input = fc
  .tuple(fc.constantFrom(...UNITS), fc.integer({ min: 1, max: EMBED_LIMITS.inputChars }))
  .map(([unit, length]) => unit.repeat(Math.max(1, Math.floor(length / unit.length))));

const float32 = fc.float({ noNaN: true, noDefaultInfinity: true });

describe('embedding job properties', () => {
  it('a request splits into jobs that keep every input in order, each frame fitting and parsing', () => {
    fc.assert(
      fc.property(
        fc.array(input, { minLength: 1, maxLength: 80 }),
        fc.option(fc.integer({ min: 1, max: EMBED_JOB_LIMITS.maxDim }), { nil: undefined }),
        (inputs, dimensions) => {
          const jobs = embedJobBatches('model-1', inputs, dimensions);
          expect(jobs.flatMap((j) => j.inputs)).toEqual(inputs);
          for (const request of jobs) {
            expect(request.inputs.length).toBeGreaterThan(0);
            expect(request.inputs.length).toBeLessThanOrEqual(EMBED_JOB_LIMITS.inputsPerJob);
            const frame = encode({ type: 'embed', jobId: LONGEST_JOB_ID, request });
            expect(utf8Length(frame)).toBeLessThanOrEqual(FRAME_MAX_BYTES);
            expect(parseEdgeToNode(frame)).toEqual({
              ok: true,
              message: { type: 'embed', jobId: LONGEST_JOB_ID, request },
            });
          }
          // Greedy: a job is cut only when the next input would not fit it.
          for (let i = 0; i + 1 < jobs.length; i++) {
            const grown = { ...jobs[i]!, inputs: [...jobs[i]!.inputs, jobs[i + 1]!.inputs[0]!] };
            const frame = encode({ type: 'embed', jobId: LONGEST_JOB_ID, request: grown });
            expect(
              grown.inputs.length > EMBED_JOB_LIMITS.inputsPerJob ||
                utf8Length(frame) > FRAME_MAX_BYTES,
            ).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('vectors within the bounds cross the frame bit-exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: EMBED_JOB_LIMITS.inputsPerJob }),
        fc.integer({ min: 1, max: 48 }),
        fc.nat(),
        fc.maxSafeNat(),
        (count, dim, salt, promptTokens) => {
          const values = fc.sample(fc.array(float32, { minLength: dim, maxLength: dim }), {
            numRuns: count,
            seed: salt,
          });
          const vectors = values.map((v) => Float32Array.from(v));
          const request = { model: 'm', inputs: Array<string>(count).fill('x') };
          const frame = embeddingResultFrame('job-1', request, { vectors, promptTokens });
          const parsed = parseNodeToEdge(encode(frame));
          if (!parsed.ok || parsed.message.type !== 'embedding')
            throw new Error(JSON.stringify(parsed).slice(0, 300));
          const decoded = decodeEmbeddingResult(parsed.message, request);
          if (!decoded.ok) throw new Error(decoded.reason);
          expect(decoded.promptTokens).toBe(promptTokens);
          decoded.vectors.forEach((v, i) =>
            v.forEach((x, j) => expect(Object.is(x, vectors[i]![j])).toBe(true)),
          );
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('any vectors the schema lets through are decoded or refused, never thrown on', () => {
    const base64 = fc
      .array(
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='),
        {
          minLength: 1,
          maxLength: 40,
        },
      )
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        fc.array(base64, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        (vectors, inputs, dimensions) => {
          const request = {
            inputs: Array<string>(inputs).fill('x'),
            ...(dimensions === undefined ? {} : { dimensions }),
          };
          const result = decodeEmbeddingResult({ vectors, promptTokens: 0 }, request);
          if (!result.ok) return;
          expect(result.vectors).toHaveLength(inputs);
          const dim = result.vectors[0]!.length;
          if (dimensions !== undefined) expect(dim).toBe(dimensions);
          for (const v of result.vectors) {
            expect(v.length).toBe(dim);
            expect(v.every(Number.isFinite)).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
