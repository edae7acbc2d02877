import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { EMBED_LIMITS } from './limits.ts';
import { parseEmbeddingRequest } from './request.ts';

const model = 'proxima-lexical';

function refusal(body: unknown): ProximaError {
  try {
    parseEmbeddingRequest(body);
  } catch (err) {
    if (err instanceof ProximaError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseEmbeddingRequest', () => {
  it('takes a string or a list of strings, float by default', () => {
    expect(parseEmbeddingRequest({ model, input: 'hello' })).toEqual({
      model,
      input: ['hello'],
      encodingFormat: 'float',
    });
    expect(
      parseEmbeddingRequest({
        model,
        input: ['a', 'b'],
        encoding_format: 'base64',
        dimensions: 256,
        user: 'u1',
      }),
    ).toEqual({ model, input: ['a', 'b'], encodingFormat: 'base64', dimensions: 256 });
    expect(parseEmbeddingRequest({ model, input: 'x', encoding_format: null })).toMatchObject({
      encodingFormat: 'float',
    });
  });

  it.each([
    ['a missing input', { model }, 'input'],
    ['an empty list', { model, input: [] }, 'input'],
    ['an empty string', { model, input: '' }, 'input'],
    ['an empty string in a list', { model, input: ['a', ''] }, 'input[1]'],
    ['a number', { model, input: 3 }, 'input'],
    ['token ids', { model, input: [1, 2, 3] }, 'input'],
    ['lists of token ids', { model, input: [[1, 2], [3]] }, 'input'],
    ['a lone surrogate', { model, input: ['ok', '\ud800'] }, 'input[1]'],
    ['a missing model', { input: 'a' }, 'model'],
    ['a bad model id', { model: 'a b', input: 'a' }, 'model'],
    ['an unknown encoding', { model, input: 'a', encoding_format: 'int8' }, 'encoding_format'],
    ['a fractional dimensions', { model, input: 'a', dimensions: 1.5 }, 'dimensions'],
    ['zero dimensions', { model, input: 'a', dimensions: 0 }, 'dimensions'],
  ])('refuses %s with a 400 naming the field', (_, body, param) => {
    const err = refusal(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
  });

  it('says why token ids are refused', () => {
    expect(refusal({ model, input: [1, 2] }).message).toMatch(/token ids are not supported.*text/);
  });

  it('holds the request limits: inputs per request, characters per input and in all', () => {
    const { inputsPerRequest, inputChars, totalChars } = EMBED_LIMITS;
    expect(inputsPerRequest).toBe(2048);
    const many = Array.from({ length: inputsPerRequest }, () => 'a');
    expect(parseEmbeddingRequest({ model, input: many }).input).toHaveLength(inputsPerRequest);
    expect(refusal({ model, input: [...many, 'a'] }).param).toBe('input');
    expect(parseEmbeddingRequest({ model, input: 'a'.repeat(inputChars) }).input).toHaveLength(1);
    expect(refusal({ model, input: ['a', 'a'.repeat(inputChars + 1)] }).param).toBe('input[1]');
    const count = Math.floor(totalChars / inputChars);
    const full = Array.from({ length: count }, () => 'a'.repeat(inputChars));
    expect(parseEmbeddingRequest({ model, input: full }).input).toHaveLength(count);
    const over = refusal({
      model,
      input: [...full, 'a'.repeat(totalChars - count * inputChars + 1)],
    });
    expect(over.param).toBe('input');
    expect(over.message).toMatch(/characters in all/);
  });
});
