import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import type { ModelKind } from '../protocol/node/messages.ts';
import { backendsOfKind } from './kinds.ts';

/** A backend as routing lists it: an id and, for non-chat models, a kind. */
type Listed = { readonly id: string; readonly kind?: ModelKind };
const chat: Listed = { id: 'a' };
const vectors: Listed = { id: 'b', kind: 'embed' };
const reader: Listed = { id: 'c', kind: 'ocr' };

function refusal(run: () => unknown): ProximaError {
  try {
    run();
  } catch (err) {
    if (err instanceof ProximaError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('backendsOfKind', () => {
  it('keeps the backends of the kind (absent kind is generate)', () => {
    expect(backendsOfKind([chat, vectors, reader], 'generate', 'm')).toEqual([chat]);
    expect(backendsOfKind([chat, vectors, reader], 'embed', 'm')).toEqual([vectors]);
    expect(backendsOfKind([], 'embed', 'm')).toEqual([]);
  });

  it('a chat request for an embedding model is a 400 naming model', () => {
    const err = refusal(() => backendsOfKind([vectors], 'generate', 'vec-1'));
    expect(err.code).toBe('invalid_request');
    expect(err.status).toBe(400);
    expect(err.param).toBe('model');
    expect(err.message).toMatch(/'vec-1' is an embedding model, not a chat model/);
    expect(err.message).toMatch(/POST \/v1\/embeddings/);
  });

  it('an embeddings request for a chat or OCR model is a 400 naming model', () => {
    expect(refusal(() => backendsOfKind([chat], 'embed', 'llm')).message).toMatch(
      /'llm' is a chat model, not an embedding model/,
    );
    expect(refusal(() => backendsOfKind([reader], 'embed', 'ocr')).param).toBe('model');
  });
});
