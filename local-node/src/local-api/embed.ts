// Embeddings on the engine's embedding models: POST /v1/embeddings and Ollama's /api/embed.
import type { EmbeddingRequest } from '@proxima/core/embed';
import { ProximaError } from '@proxima/core/protocol';
import type { EmbedResult } from '../engine/engine.ts';
import { modelOfKind } from './catalogue.ts';
import type { LocalApiContext } from './context.ts';
import { engineError } from './engine-errors.ts';

export async function embedWith(
  { engine, log }: LocalApiContext,
  req: EmbeddingRequest,
  signal: AbortSignal,
): Promise<EmbedResult> {
  modelOfKind(engine, req.model, 'embed');
  const work = { model: req.model, promptParam: 'input', what: 'the embeddings' };
  if (engine.embed === undefined)
    throw engineError(new Error('the engine has an embedding model but no embed()'), work, log);
  let result: EmbedResult;
  try {
    result = await engine.embed(
      {
        model: req.model,
        inputs: req.input,
        ...(req.dimensions === undefined ? {} : { dimensions: req.dimensions }),
      },
      signal,
    );
  } catch (err) {
    if (signal.aborted) throw new ProximaError('client_closed', 'The client went away.');
    throw engineError(err, work, log);
  }
  const length = result.vectors[0]?.length ?? 0;
  if (result.vectors.length !== req.input.length || result.vectors.some((v) => v.length !== length))
    throw engineError(
      new Error(
        `the engine returned ${result.vectors.length} vectors of unequal or wrong count for ${req.input.length} inputs`,
      ),
      work,
      log,
    );
  return result;
}
