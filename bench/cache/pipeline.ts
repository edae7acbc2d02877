// The request path the SemanticCache Durable Object will run, minus storage: scope material from
// core (hashed with SHA-256 as the DO does), exact key, lexical embedding, CacheStore lookup/put.
import { createHash } from 'node:crypto';
import { cacheScope, exactKey, type CacheStore } from '@proxima/core/cache';
import type { ChatMessage } from '@proxima/core/protocol';
import type { LexicalEmbedder } from '@proxima/wasm';

const MODEL = 'llama-3.1-8b-instruct';
const PARAMS = { temperature: 0.2, max_tokens: 512 };
const SYSTEM: ChatMessage = { role: 'system', content: 'You are a concise SRE assistant.' };

export interface Asked {
  readonly scope: string;
  readonly exact: string;
  readonly prompt: string;
  readonly vector: Float32Array;
}

export function prepare(embedder: LexicalEmbedder, tenant: string, text: string): Asked {
  const material = cacheScope({
    tenant,
    epoch: 1,
    model: MODEL,
    params: PARAMS,
    messages: [SYSTEM, { role: 'user', content: text }],
  });
  return {
    scope: createHash('sha256').update(material).digest('hex'),
    exact: exactKey(text),
    prompt: text,
    vector: embedder.embed(text),
  };
}

export function store(s: CacheStore, id: string, a: Asked, now: number): void {
  s.put({ id, ...a, expiresAt: now + 3600_000, tags: [], sources: [] }, now);
}
