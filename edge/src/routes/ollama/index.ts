// Ollama's native API under /api: the same keys (Authorization: Bearer), the same answer path
// as /v1, Ollama's request and response shapes, and its error shape ({"error": "..."}).
import { OLLAMA_API_VERSION, ollamaRouteError } from '@proxima/core/protocol/ollama';
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

// Model management (pull, push, create, copy, delete) is the nodes' business: not served here.
ollama.all('/api/*', (c) => {
  throw ollamaRouteError(c.req.method, c.req.path, 'this edge', 'nodes manage their own models');
});

ollama.onError((err) => ollamaErrorResponse(err));
