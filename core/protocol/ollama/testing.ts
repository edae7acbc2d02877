// Test helpers for the Ollama translation (imported by tests only).
import { ProximaError } from '../errors.ts';
import type { OllamaAnswer, OllamaTranslation } from './common.ts';

/** A 1×1 PNG, base64, as Ollama clients send images. */
export const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export function errorOf(f: () => unknown): ProximaError {
  try {
    f();
  } catch (err) {
    if (err instanceof ProximaError) return err;
    throw err;
  }
  throw new Error('expected a ProximaError');
}

export function answerOf(t: OllamaTranslation): OllamaAnswer {
  if (t.kind !== 'answer') throw new Error(`expected an answer, got ${t.kind}`);
  return t;
}
