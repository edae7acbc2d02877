// Ollama's native API under /api: the same keys (Authorization: Bearer), the same answer path
// as /v1, Ollama's request and response shapes, and its error shape ({"error": "..."}).
import { ProximaError, quote } from '@proxima/core/protocol';
import { OLLAMA_API_VERSION } from '@proxima/core/protocol/ollama';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../../auth/require-api-key.ts';
import type { Env } from '../../env.ts';
import { readJsonBody } from '../read-json.ts';
import { answerOllama } from './answer.ts';
import { ollamaEmbed } from './embed.ts';
import { ollamaErrorResponse } from './errors.ts';
import { psBody, showBody, tagsBody } from './models.ts';

export const ollama = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

ollama.get('/api/version', (c) => c.json({ version: OLLAMA_API_VERSION }));
ollama.post('/api/chat', requireApiKey('chat'), (c) => answerOllama(c, 'chat'));
ollama.post('/api/generate', requireApiKey('chat'), (c) => answerOllama(c, 'generate'));
ollama.post('/api/embed', requireApiKey('chat'), (c) => ollamaEmbed(c));
ollama.get('/api/tags', requireApiKey('models'), async (c) => c.json(await tagsBody(c.env)));
ollama.get('/api/ps', requireApiKey('models'), async (c) => c.json(await psBody(c.env)));
ollama.post('/api/show', requireApiKey('models'), async (c) =>
  c.json(await showBody(c.env, await readJsonBody(c.req.raw, c.env))),
);

const METHODS: Readonly<Record<string, string>> = {
  '/api/version': 'GET',
  '/api/chat': 'POST',
  '/api/generate': 'POST',
  '/api/embed': 'POST',
  '/api/tags': 'GET',
  '/api/ps': 'GET',
  '/api/show': 'POST',
};

// Model management (pull, push, create, copy, delete) is the nodes' business: not served here.
ollama.all('/api/*', (c) => {
  const allowed = METHODS[c.req.path];
  if (allowed === undefined)
    throw new ProximaError(
      'not_found',
      `No route for ${quote(c.req.method)} ${quote(c.req.path)}: this edge serves /api/chat, /api/generate, /api/embed, /api/tags, /api/ps, /api/show and /api/version; nodes manage their own models.`,
    );
  throw new ProximaError(
    'method_not_allowed',
    `${c.req.method} is not allowed on ${c.req.path}; use ${allowed}.`,
    { headers: { allow: allowed } },
  );
});

ollama.onError((err) => ollamaErrorResponse(err));
