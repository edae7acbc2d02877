// GET /api/tags, GET /api/ps, POST /api/show, GET /api/version: the models /v1/models lists
// (servedModelEntries), in Ollama's shapes.
import { ProximaError, quote } from '@proxima/core/protocol';
import {
  ollamaPsBody,
  ollamaShowBody,
  ollamaTagsBody,
  parseOllamaShow,
  type OllamaModelFacts,
} from '@proxima/core/protocol/ollama';
import { embeddingModelOf } from '../../embed/embedder.ts';
import { presenceStub, type Env } from '../../env.ts';
import { servedModelEntries, type ModelEntry } from '../models.ts';

function factsOf(env: Env, entries: readonly ModelEntry[]): OllamaModelFacts[] {
  const embedding = embeddingModelOf(env);
  return entries.map((m) => ({
    id: m.id,
    modifiedAt: new Date(m.created * 1000).toISOString(),
    capabilities: m.capabilities,
    contextLength: m.contextLength,
    embeddingOnly: m.id === embedding || m.kind === 'embed',
  }));
}

export async function tagsBody(env: Env) {
  return ollamaTagsBody(factsOf(env, await servedModelEntries(env)));
}

/** Models a connected node holds loaded now (upstreams and the edge's embedder are not local). */
export async function psBody(env: Env) {
  const [entries, loaded] = await Promise.all([
    servedModelEntries(env),
    presenceStub(env).servedModels(Date.now()),
  ]);
  const onNodes = new Set(loaded);
  return ollamaPsBody(
    factsOf(
      env,
      entries.filter((m) => onNodes.has(m.id)),
    ),
  );
}

export async function showBody(env: Env, body: unknown) {
  const id = parseOllamaShow(body);
  const found = (await servedModelEntries(env)).find((m) => m.id === id);
  if (!found)
    throw new ProximaError('model_not_found', `The model ${quote(id)} does not exist.`, {
      param: 'model',
    });
  return ollamaShowBody(factsOf(env, [found])[0]!);
}
