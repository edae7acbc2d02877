// POST /api/embed: the configured embedder, through the same admitted, metered path as
// POST /v1/embeddings.
import { ollamaEmbedBody, parseOllamaEmbed } from '@proxima/core/protocol/ollama';
import type { Context } from 'hono';
import type { AuthVariables } from '../../auth/require-api-key.ts';
import type { Env } from '../../env.ts';
import { embedRequest } from '../embeddings.ts';
import { readJsonBody } from '../read-json.ts';

export async function ollamaEmbed(
  c: Context<{ Bindings: Env; Variables: AuthVariables }>,
): Promise<Response> {
  const startMs = Date.now();
  const req = parseOllamaEmbed(await readJsonBody(c.req.raw, c.env));
  const { model, vectors, promptTokens, headers } = await embedRequest(c, req);
  return c.json(ollamaEmbedBody(model, vectors, promptTokens, Date.now() - startMs), 200, {
    ...headers,
  });
}
