import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import {
  checkBatch,
  checkCall,
  checkEmbeddings,
  checkInputs,
  isBlank,
  mixingError,
} from './check.ts';

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));

describe('checkEmbeddings', () => {
  it('passes unit and zero vectors through unchanged, as float32', () => {
    const unit = new Float32Array([0.6, 0.8]);
    const [a, b, c] = checkEmbeddings([unit, [0, 0], [1, 0]], 3, 2, 'e/2');
    expect(a).toBe(unit);
    expect(b).toEqual(new Float32Array([0, 0]));
    expect(c).toBeInstanceOf(Float32Array);
  });

  it('normalises any non-zero vector to unit length, keeping its direction', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 16 }),
        (values) => {
          fc.pre(norm(Float32Array.from(values)) > 1e-3);
          const [v] = checkEmbeddings([values], 1, values.length, 'e');
          expect(norm(v!)).toBeCloseTo(1, 5);
          const scale = norm(Float32Array.from(values));
          values.forEach((x, i) => expect(v![i]).toBeCloseTo(Math.fround(x) / scale, 5));
        },
      ),
    );
  });

  it('names the embedder for a wrong count, a wrong dimension or a non-finite value', () => {
    expect(() => checkEmbeddings([[1, 0]], 2, 2, 'openai:x#m/2')).toThrow(
      'embedder openai:x#m/2 returned 1 vectors for 2 inputs',
    );
    expect(() => checkEmbeddings([[1, 0, 0]], 1, 2, 'e/2')).toThrow(/e\/2 returned 3 dimensions/);
    expect(() => checkEmbeddings([[1, Number.NaN]], 1, 2, 'e/2')).toThrow(/e\/2.*non-finite/);
    // Finite as a double, Infinity as float32.
    expect(() => checkEmbeddings([[1, 1e39]], 1, 2, 'e/2')).toThrow(/non-finite/);
  });
});

describe('input and batch checks', () => {
  const e = { id: 'e/4', maxBatch: 2, maxInputChars: 5 };

  it('refuses an input over maxInputChars with a 400 naming its place', () => {
    expect(() => checkInputs(e, ['12345'])).not.toThrow();
    let err: unknown = null;
    try {
      checkInputs(e, ['ok', '123456'], 'chunks');
    } catch (thrown) {
      err = thrown;
    }
    expect(err).toBeInstanceOf(ProximaError);
    expect(err).toMatchObject({ code: 'invalid_request', param: 'chunks[1]' });
  });

  it('refuses a batch over maxBatch, pointing at embedAll', () => {
    expect(() => checkBatch(e, 2)).not.toThrow();
    expect(() => checkBatch(e, 3)).toThrow(/at most 2 inputs per call, got 3; use embedAll/);
  });

  it('refuses work for a caller that already left', () => {
    const signal = AbortSignal.abort(new Error('gone'));
    expect(() => checkCall(e, ['a'], { signal })).toThrow('gone');
    expect(() => checkCall(e, ['a'], { signal: new AbortController().signal })).not.toThrow();
  });

  it('counts only white space as blank', () => {
    expect(['', ' ', '\n\t\u00a0'].map(isBlank)).toEqual([true, true, true]);
    expect(['a', ' . '].map(isBlank)).toEqual([false, false]);
  });
});

describe('mixingError', () => {
  const configured = { id: 'openai:https://api.example/v1#text-embedding-3-small/1536', dim: 1536 };

  it('is null when the index was built by the configured embedder', () => {
    expect(mixingError(configured.id, 1536, configured)).toBeNull();
  });

  it('names both embedders and dimensions otherwise, as a 409', () => {
    const err = mixingError('lexical-hash-v1/256', 256, configured);
    expect(err?.status).toBe(409);
    expect(err?.message).toContain('built with embedder lexical-hash-v1/256 (256 dimensions)');
    expect(err?.message).toContain(`the configured one is ${configured.id} (1536 dimensions)`);
    // The same dimension is not enough: the vectors come from different models.
    expect(
      mixingError('workers-ai:@cf/baai/bge-small-en-v1.5/384', 384, { id: 'x/384', dim: 384 }),
    ).not.toBeNull();
  });
});
