import { SELF } from 'cloudflare:test';
import { adminPost, BASE } from './helpers.ts';

/** An API key of `tenant` (the admin API makes the tenant on first use). */
export async function keyOf(tenant: string): Promise<string> {
  const res = await adminPost('/admin/api-keys', { tenant });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`key for ${tenant}: ${res.status} ${await res.text()}`);
  return (await res.json<{ key: string }>()).key;
}

export async function call(
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface Hit {
  document_id: string;
  chunk_id: string;
  version: number;
  score: number;
  text: string;
  metadata: Record<string, unknown>;
}

export async function search(
  key: string,
  ns: string,
  query: string,
  extra: Record<string, unknown> = {},
): Promise<Hit[]> {
  const res = await call(key, 'POST', `/v1/rag/${ns}/search`, { query, ...extra });
  if (res.status !== 200) throw new Error(`search ${ns}: ${res.status} ${await res.text()}`);
  return (await res.json<{ data: Hit[] }>()).data;
}

export async function post(
  key: string,
  ns: string,
  documents: { id: string; text: string; format?: string; metadata?: Record<string, unknown> }[],
): Promise<{ id: string; version: number; chunks: number }[]> {
  const res = await call(key, 'POST', `/v1/rag/${ns}/documents`, { documents });
  if (res.status !== 200) throw new Error(`post ${ns}: ${res.status} ${await res.text()}`);
  return (await res.json<{ data: { id: string; version: number; chunks: number }[] }>()).data;
}

/** A deterministic sentence about `topic` number i, with words no other topic uses. */
export function topicText(topic: string, i: number): string {
  return `The ${topic} manual, part ${i}: configure the ${topic}${i} daemon with ${topic}ctl, restart ${topic}d${i} and read the ${topic} log for errors.`;
}
