// The engine's models as the local API lists and checks them: each request names a model of the
// right kind, and asks only what it can do, before the engine does any work.
import {
  imagePartParams,
  MODEL_CAPABILITIES,
  modelKindOf,
  ProximaError,
  quote,
  type ChatRequest,
  type ModelCapability,
} from '@proxima/core/protocol';
import { capableBackends, requiredCapabilities } from '@proxima/core/routing';
import type { Engine, EngineModel, ModelKind } from '../engine/engine.ts';

/** What the model announces it can do; an embedding model makes embeddings. */
export function capabilitiesOf(model: EngineModel): ModelCapability[] {
  const has = new Set<ModelCapability>(model.capabilities ?? []);
  if (modelKindOf(model) === 'embed') has.add('embeddings');
  return MODEL_CAPABILITIES.filter((c) => has.has(c));
}

/** The engine's models, by id. */
export function servedModels(engine: Engine): EngineModel[] {
  return [...engine.models].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function modelNotFound(id: string): ProximaError {
  return new ProximaError('model_not_found', `The model ${quote(id)} does not exist.`, {
    param: 'model',
  });
}

export function findModel(engine: Engine, id: string): EngineModel | undefined {
  return engine.models.find((m) => m.id === id);
}

const WHAT: Record<ModelKind, string> = {
  generate: 'a model that generates text (POST /v1/chat/completions, /v1/completions, /api/chat)',
  embed: 'an embedding model (POST /v1/embeddings, /api/embed)',
  ocr: 'an OCR model (POST /v1/ocr)',
};

/** The model `id` names, when it is of `kind`: else a 404, or a 400 naming `model`. */
export function modelOfKind(engine: Engine, id: string, kind: ModelKind): EngineModel {
  const model = findModel(engine, id);
  if (model === undefined) throw modelNotFound(id);
  const is = modelKindOf(model);
  if (is !== kind)
    throw new ProximaError(
      'invalid_request',
      `Invalid 'model': ${quote(id)} is ${WHAT[is]}; this route needs ${WHAT[kind]}.`,
      { param: 'model' },
    );
  return model;
}

/**
 * The generating model a chat or completion names, once the request asks only what it can do
 * (the edge's words for a missing capability) and carries its images as data.
 */
export function generatingModel(engine: Engine, request: ChatRequest, body: unknown): EngineModel {
  refuseImageUrls(request, body);
  const model = modelOfKind(engine, request.model, 'generate');
  capableBackends(
    [{ capabilities: capabilitiesOf(model) }],
    requiredCapabilities(request),
    model.id,
  );
  return model;
}

/** The node fetches nothing: a remote image URL is refused by the name of its part. */
function refuseImageUrls(request: ChatRequest, body: unknown): void {
  request.messages.forEach((message, i) => {
    const images = message.images ?? [];
    const at = images.findIndex((image) => image.kind === 'url');
    if (at < 0) return;
    const param = imagePartParams(body, i)[at] ?? `messages[${i}].content`;
    throw new ProximaError(
      'unsupported_parameter',
      `'${param}' is a remote URL; this node does not fetch images: send it as a data URL ` +
        `(data:image/png;base64,...).`,
      { param },
    );
  });
}

/** Proxima's extensions (cache, RAG) live at the edge; here they would be silently dropped. */
export function refuseProximaOptions(body: unknown): void {
  const options = (body as { proxima?: unknown } | null)?.proxima;
  if (options === undefined || options === null) return;
  if (typeof options === 'object' && Object.keys(options).length === 0) return;
  throw new ProximaError(
    'unsupported_parameter',
    `'proxima' is not supported: the node's local API has no cache or RAG; send the request to the edge for them.`,
    { param: 'proxima' },
  );
}
