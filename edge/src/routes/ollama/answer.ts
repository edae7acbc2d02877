// POST /api/chat and /api/generate: Ollama's body translated by core into the one request type,
// then the shared answer path (admission, cache, RAG, routing, failover, metering), rendered in
// Ollama's shapes. Only what depends on the model's backends is resolved here.
import { ProximaError, quote } from '@proxima/core/protocol';
import {
  ollamaLoadBody,
  parseOllamaChat,
  parseOllamaGenerate,
  renameError,
  resolveOllamaAnswer,
  type OllamaAnswer,
  type OllamaDialect,
  type OllamaTranslation,
} from '@proxima/core/protocol/ollama';
import type { Context } from 'hono';
import type { AuthVariables } from '../../auth/require-api-key.ts';
import type { Env } from '../../env.ts';
import { answerRequest } from '../answer-request.ts';
import { servedModelEntries, type ModelEntry } from '../models.ts';
import { readJsonBody } from '../read-json.ts';
import { ollamaRenderer } from './renderer.ts';

type OllamaContext = Context<{ Bindings: Env; Variables: AuthVariables }>;

const PARSERS: Record<OllamaDialect, (body: unknown) => OllamaTranslation> = {
  chat: parseOllamaChat,
  generate: parseOllamaGenerate,
};

async function modelEntry(env: Env, model: string): Promise<ModelEntry | undefined> {
  return (await servedModelEntries(env)).find((m) => m.id === model);
}

function modelNotFound(model: string): ProximaError {
  return new ProximaError('model_not_found', `The model ${quote(model)} does not exist.`, {
    param: 'model',
  });
}

/** What the translation left to the model's backends: `think: false` and `options.num_ctx`. */
async function resolved(env: Env, t: OllamaAnswer): Promise<OllamaAnswer> {
  if (!t.thinkOff && t.numCtx === null) return t;
  // An unknown model is answered by routing, as for any request.
  return resolveOllamaAnswer(t, await modelEntry(env, t.request.model));
}

export async function answerOllama(c: OllamaContext, dialect: OllamaDialect): Promise<Response> {
  const startMs = Date.now();
  const translation = PARSERS[dialect](await readJsonBody(c.req.raw, c.env));
  if (translation.kind === 'load') {
    // Nodes keep the models they serve loaded: a known model is answered as loaded.
    if ((await modelEntry(c.env, translation.model)) === undefined)
      throw modelNotFound(translation.model);
    return c.json(
      ollamaLoadBody({
        dialect,
        model: translation.model,
        createdAt: new Date().toISOString(),
      }),
    );
  }
  try {
    const t = await resolved(c.env, translation);
    return await answerRequest(c, {
      body: t.body,
      request: t.request,
      renderer: ollamaRenderer({
        dialect,
        model: t.request.model,
        startMs,
        logprobs: t.request.logprobs !== null,
      }),
    });
  } catch (err) {
    throw renameError(err, translation.paramOf);
  }
}
