// Which backends take a request of a kind: chat and completions go to 'generate' models, embeddings
// to 'embed' models. A model served only as another kind is the client's mistake: a 400 naming it.
import { ProximaError } from '../protocol/errors.ts';
import { quote } from '../protocol/limits.ts';
import { modelKindOf, type ModelKind } from '../protocol/node/messages.ts';
import type { Backend } from './backend.ts';

const WHAT: Record<ModelKind, string> = {
  generate: 'a chat model',
  embed: 'an embedding model',
  ocr: 'an OCR model',
};

const WHERE: Record<ModelKind, string> = {
  generate: 'POST /v1/chat/completions, /v1/completions, /api/chat or /api/generate',
  embed: 'POST /v1/embeddings or /api/embed',
  ocr: 'no endpoint of this edge',
};

/**
 * The backends whose model is of `kind`. When some serve the model but none as that kind, the
 * 400 naming `model`: another backend or a retry would not help.
 */
export function backendsOfKind<B extends Pick<Backend, 'kind'>>(
  backends: readonly B[],
  kind: ModelKind,
  model: string,
): B[] {
  const matching = backends.filter((b) => modelKindOf(b) === kind);
  if (matching.length > 0 || backends.length === 0) return matching;
  const found = modelKindOf(backends[0]!);
  throw new ProximaError(
    'invalid_request',
    `Invalid 'model': ${quote(model)} is ${WHAT[found]}, not ${WHAT[kind]}; it is served through ` +
      `${WHERE[found]}. GET /v1/models lists each model's kind.`,
    { param: 'model' },
  );
}
