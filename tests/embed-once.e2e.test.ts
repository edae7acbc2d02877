// A chat that asks for both the semantic cache and RAG embeds its last user turn once: the cache's
// lookup key and RAG's query are the same text. The edge runs in workerd with an OpenAI-compatible
// embedder pointed at a real HTTP stand-in that records every request, so embeddings can be
// counted. No node is needed: the embeddings happen before routing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddingsStandIn, type EmbeddingsStandIn } from './embeddings-stand-in.ts';
import { startTestFleet, type TestFleet } from './fleet.ts';

let standIn: EmbeddingsStandIn;
let t: TestFleet | undefined;

beforeAll(async () => {
  standIn = await startEmbeddingsStandIn();
  t = await startTestFleet(0, {
    EMBEDDER: JSON.stringify({
      kind: 'openai',
      baseUrl: `${standIn.origin}/ok/v1`,
      model: 'stand-in-embed',
      dim: 256,
      maxBatch: 8,
    }),
  });
});
afterAll(async () => {
  await t?.close();
  await standIn.close();
});

const question = 'Which port does the office VPN listen on?';

async function post(path: string, body: unknown): Promise<Response> {
  const { url, apiKey } = t!.fleet.info;
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const embeddingsOf = (text: string): number =>
  standIn.seen.filter((s) => s.body.input.includes(text)).length;

describe('one embedding per chat turn', () => {
  it('the cache lookup and the RAG search share the vector of the last user turn', async () => {
    const ingest = await post('/v1/rag/handbook/documents', {
      documents: [{ id: 'vpn.md', text: 'The office VPN listens on port 51820 (WireGuard).' }],
    });
    expect(ingest.status).toBe(200);
    await ingest.arrayBuffer();
    expect(standIn.seen.length).toBeGreaterThan(0);

    const search = await post('/v1/rag/handbook/search', { query: question });
    expect(search.status).toBe(200);
    await search.arrayBuffer();
    expect(embeddingsOf(question)).toBe(1);

    // No node is connected, so the chat itself fails after retrieval; the embeddings are made.
    const chat = await post('/v1/chat/completions', {
      model: 'proxima-demo',
      messages: [{ role: 'user', content: question }],
      proxima: { cache: { mode: 'semantic' }, rag: { namespace: 'handbook' } },
    });
    await chat.arrayBuffer();
    expect(chat.status).toBeGreaterThanOrEqual(400);
    expect(embeddingsOf(question)).toBe(2);
  });
});
