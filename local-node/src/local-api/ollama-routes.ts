// Ollama's native API over the node's engine: core translates the bodies into the one request
// type and renders the answers (as at the edge); errors in Ollama's `{"error"}` shape.
import { modelKindOf } from '@proxima/core/protocol';
import {
  OLLAMA_API_VERSION,
  ollamaEmbedBody,
  ollamaLoadBody,
  ollamaPsBody,
  ollamaRendering,
  ollamaRouteError,
  ollamaShowBody,
  ollamaTagsBody,
  parseOllamaChat,
  parseOllamaEmbed,
  parseOllamaGenerate,
  parseOllamaShow,
  renameError,
  resolveOllamaAnswer,
  type OllamaClock,
  type OllamaDialect,
  type OllamaModelFacts,
  type OllamaTranslation,
} from '@proxima/core/protocol/ollama';
import { Hono } from 'hono';
import type { EngineModel } from '../engine/engine.ts';
import { answerLocally } from './answer.ts';
import {
  capabilitiesOf,
  findModel,
  generatingModel,
  modelNotFound,
  modelOfKind,
  refuseProximaOptions,
  servedModels,
} from './catalogue.ts';
import type { LocalApiContext } from './context.ts';
import { embedWith } from './embed.ts';
import { boundedBody, clientGone, readJson, type LocalContext, type LocalEnv } from './http.ts';

const PARSERS: Record<OllamaDialect, (body: unknown) => OllamaTranslation> = {
  chat: parseOllamaChat,
  generate: parseOllamaGenerate,
};

const clock: OllamaClock = { now: () => Date.now(), isoNow: () => new Date().toISOString() };

/** Ollama has no OCR API: OCR models are listed by /v1/models only. */
function ollamaModels(models: readonly EngineModel[]): EngineModel[] {
  return models.filter((m) => modelKindOf(m) !== 'ocr');
}

export function ollamaRoutes(ctx: LocalApiContext): Hono<LocalEnv> {
  const { engine, log } = ctx;
  const modifiedAt = new Date(ctx.startedAtMs).toISOString();
  const factsOf = (m: EngineModel): OllamaModelFacts => ({
    id: m.id,
    modifiedAt,
    capabilities: capabilitiesOf(m),
    contextLength: m.contextSize,
    embeddingOnly: modelKindOf(m) === 'embed',
  });
  const routes = new Hono<LocalEnv>();

  const answer = async (c: LocalContext, dialect: OllamaDialect): Promise<Response> => {
    const startMs = Date.now();
    const translation = PARSERS[dialect](await readJson(c));
    if (translation.kind === 'load') {
      // The engine keeps its models loaded: a known model is answered as loaded.
      modelOfKind(engine, translation.model, 'generate');
      return c.json(
        ollamaLoadBody({ dialect, model: translation.model, createdAt: clock.isoNow() }),
      );
    }
    try {
      refuseProximaOptions(translation.body);
      const found = findModel(engine, translation.request.model);
      if (found === undefined) throw modelNotFound(translation.request.model);
      const { request } = resolveOllamaAnswer(translation, {
        contextLength: found.contextSize,
        capabilities: capabilitiesOf(found),
      });
      generatingModel(engine, request, translation.body);
      const rendering = ollamaRendering({
        dialect,
        model: request.model,
        startMs,
        logprobs: request.logprobs !== null,
        clock,
      });
      return await answerLocally({ engine, request, rendering, clientGone: clientGone(c), log });
    } catch (err) {
      throw renameError(err, translation.paramOf);
    }
  };

  routes.get('/api/version', (c) => c.json({ version: OLLAMA_API_VERSION }));
  routes.get('/api/tags', (c) =>
    c.json(ollamaTagsBody(ollamaModels(servedModels(engine)).map(factsOf))),
  );
  // Every model the engine serves is loaded while it runs.
  routes.get('/api/ps', (c) =>
    c.json(ollamaPsBody(ollamaModels(servedModels(engine)).map(factsOf))),
  );
  routes.post('/api/show', boundedBody, async (c) => {
    const id = parseOllamaShow(await readJson(c));
    const found = findModel(engine, id);
    if (found === undefined || modelKindOf(found) === 'ocr') throw modelNotFound(id);
    return c.json(ollamaShowBody(factsOf(found)));
  });
  routes.post('/api/chat', boundedBody, (c) => answer(c, 'chat'));
  routes.post('/api/generate', boundedBody, (c) => answer(c, 'generate'));
  routes.post('/api/embed', boundedBody, async (c) => {
    const startMs = Date.now();
    const req = parseOllamaEmbed(await readJson(c));
    const { vectors, promptTokens } = await embedWith(ctx, req, clientGone(c));
    return c.json(ollamaEmbedBody(req.model, vectors, promptTokens, Date.now() - startMs));
  });

  // Model management (pull, push, create, copy, delete) is the node operator's business.
  routes.all('/api/*', (c) => {
    throw ollamaRouteError(
      c.req.method,
      c.req.path,
      'this node',
      'its operator manages its models',
    );
  });
  return routes;
}
