// OpenAI's API over the node's engine: models, chat and text completions, embeddings, and
// Proxima's OCR extension. Parsing and wire shapes are core's, as at the edge.
import { randomUUID } from 'node:crypto';
import { embeddingListBody, parseEmbeddingRequest } from '@proxima/core/embed';
import {
  chatRendering,
  modelKindOf,
  proximaModelBody,
  parseChatRequest,
  parseCompletionRequest,
  textCompletionRendering,
  type CompletionIdentity,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import type { EngineModel } from '../engine/engine.ts';
import { answerLocally } from './answer.ts';
import {
  capabilitiesOf,
  findModel,
  generatingModel,
  modelNotFound,
  refuseProximaOptions,
  servedModels,
} from './catalogue.ts';
import { embedWith } from './embed.ts';
import { boundedBody, clientGone, readJson, type LocalEnv } from './http.ts';
import { recognizeWith } from './ocr.ts';
import type { LocalApiContext } from './context.ts';

function wireModel(m: EngineModel, created: number) {
  return proximaModelBody({
    id: m.id,
    created,
    contextLength: m.contextSize,
    capabilities: capabilitiesOf(m),
    kind: modelKindOf(m),
  });
}

export function openAiRoutes(ctx: LocalApiContext): Hono<LocalEnv> {
  const { engine, log } = ctx;
  const created = Math.floor(ctx.startedAtMs / 1000);
  const routes = new Hono<LocalEnv>();

  routes.get('/v1/models', (c) =>
    c.json({
      object: 'list' as const,
      data: servedModels(engine).map((m) => wireModel(m, created)),
    }),
  );

  routes.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id');
    const found = findModel(engine, id);
    if (found === undefined) throw modelNotFound(id);
    return c.json(wireModel(found, created));
  });

  routes.post('/v1/chat/completions', boundedBody, async (c) => {
    const body = await readJson(c);
    refuseProximaOptions(body);
    const request = parseChatRequest(body);
    generatingModel(engine, request, body);
    const who: CompletionIdentity = {
      id: `chatcmpl-${randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
    };
    const rendering = chatRendering(who, request);
    return answerLocally({ engine, request, rendering, clientGone: clientGone(c), log });
  });

  routes.post('/v1/completions', boundedBody, async (c) => {
    const body = await readJson(c);
    const parsed = parseCompletionRequest(body);
    const { request } = parsed;
    generatingModel(engine, request, body);
    const who: CompletionIdentity = {
      id: `cmpl-${randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
    };
    const rendering = textCompletionRendering(who, parsed);
    return answerLocally({ engine, request, rendering, clientGone: clientGone(c), log });
  });

  routes.post('/v1/embeddings', boundedBody, async (c) => {
    const req = parseEmbeddingRequest(await readJson(c));
    const { vectors, promptTokens } = await embedWith(ctx, req, clientGone(c));
    return c.json(embeddingListBody(req.model, vectors, req.encodingFormat, promptTokens));
  });

  routes.post('/v1/ocr', boundedBody, async (c) => {
    const body = await readJson(c);
    return c.json(await recognizeWith(ctx, body, clientGone(c)));
  });

  return routes;
}
