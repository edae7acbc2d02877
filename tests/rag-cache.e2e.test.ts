// RAG and the semantic cache through the real fleet: the edge in workerd, a node running the demo
// llama.cpp model, and the official openai client as the caller. The demo model has random weights,
// so assertions are on structure, headers and the identity of answers, never on their words.
//
// Identity proves origin only if a new generation would differ. Without a `seed` the node samples
// at temperature 1 under node-llama-cpp's default seed, the current Unix second: the same prompt
// twice within one second is generated twice alike. So every answer that must be new, or that must
// equal an old one without being regenerated, is asked for in a later second (`laterSecond`).
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const namespace = 'handbook';
const MAX_TOKENS = 16;
/** The edge stores an answer after it responded: ask again until it is there, this many times. */
const HIT_TRIES = 40;
/** Time the edge is given to store an answer before the first ask that expects it. */
const STORE_MS = 250;

const documents = [
  {
    id: 'vpn.md',
    text: 'To reach the office VPN, run wg-quick up office. It listens on port 51820.',
  },
  { id: 'printers.md', text: 'Printers are on the third floor. Print with lpr to the queue hp3.' },
  { id: 'backups.md', text: 'Backups run nightly at 02:00 with restic to the bucket archive-eu.' },
];
const vpnQuestion = 'How do I reach the office VPN?';

/** The `proxima` extension of a chat request (edge/src/routes/chat.ts). */
interface ProximaOptions {
  readonly cache?: {
    readonly mode: 'off' | 'exact' | 'semantic';
    readonly threshold?: number;
    readonly ttl?: number;
    readonly tags?: readonly string[];
  };
  readonly rag?: { readonly namespace: string; readonly top_k?: number };
}

interface RagDocument {
  readonly id: string;
  readonly version: number;
  readonly chunks: readonly string[];
}

/** A completion as the edge answers it: OpenAI's shape plus the grounding it used, if any. */
type ProximaCompletion = OpenAI.ChatCompletion & {
  readonly proxima?: { readonly rag?: { namespace: string; documents: RagDocument[] } };
};

interface Answer {
  readonly completion: ProximaCompletion;
  readonly text: string;
  readonly cache: string | null;
  /** When the answer arrived (ms): it was generated, if it was, no later than this. */
  readonly at: number;
}

/** Waits until the wall clock is in a later second than `at`, and `atLeastMs` after it. */
async function laterSecond(at: number, atLeastMs = 0): Promise<void> {
  const next = Math.max((Math.floor(at / 1000) + 1) * 1000, at + atLeastMs);
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 5));
}

const user = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content }];

/**
 * A non-streamed chat through the openai client. The client sends params it has no type for as they
 * are (README: "Undocumented request params"); the intersection type names the extension instead
 * of silencing the checker.
 */
async function ask(client: OpenAI, prompt: string, proxima: ProximaOptions): Promise<Answer> {
  const params: OpenAI.ChatCompletionCreateParamsNonStreaming & { proxima: ProximaOptions } = {
    model,
    messages: user(prompt),
    max_tokens: MAX_TOKENS,
    proxima,
  };
  const { data, response } = await client.chat.completions.create(params).withResponse();
  const completion: ProximaCompletion = data;
  const text = completion.choices[0]?.message.content;
  if (typeof text !== 'string') throw new Error(`no text in ${JSON.stringify(completion)}`);
  return { completion, text, cache: response.headers.get('x-proxima-cache'), at: Date.now() };
}

/**
 * Asks until the answer comes from the cache, a bounded number of times, in a later second than
 * the answer it should repeat was generated in (so a regenerated answer would not be equal to it).
 * A miss in between would store a second answer under the same key, so the first ask waits long
 * enough for the edge to have stored the original (it takes milliseconds).
 */
async function askUntilHit(
  client: OpenAI,
  prompt: string,
  proxima: ProximaOptions,
  original: { readonly at: number },
): Promise<Answer> {
  await laterSecond(original.at, STORE_MS);
  let got = await ask(client, prompt, proxima);
  for (let i = 1; i < HIT_TRIES && got.cache !== 'HIT'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    got = await ask(client, prompt, proxima);
  }
  expect(got.cache, `no HIT after ${HIT_TRIES} tries`).toBe('HIT');
  return got;
}

interface StreamedAnswer {
  readonly chunks: OpenAI.ChatCompletionChunk[];
  readonly text: string;
  readonly ids: ReadonlySet<string>;
  readonly finishReason: string | null;
  readonly usage: OpenAI.CompletionUsage | null;
  readonly cache: string | null;
  readonly contentType: string | null;
  readonly at: number;
}

/** A streamed chat read to its end with the client's own SSE iterator. */
async function askStreamed(
  client: OpenAI,
  prompt: string,
  proxima: ProximaOptions,
): Promise<StreamedAnswer> {
  const params: OpenAI.ChatCompletionCreateParamsStreaming & { proxima: ProximaOptions } = {
    model,
    messages: user(prompt),
    max_tokens: MAX_TOKENS,
    stream: true,
    stream_options: { include_usage: true },
    proxima,
  };
  const { data: stream, response } = await client.chat.completions.create(params).withResponse();
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return {
    chunks,
    text: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
    ids: new Set(chunks.map((c) => c.id)),
    finishReason: chunks.reduce<string | null>(
      (last, c) => c.choices[0]?.finish_reason ?? last,
      null,
    ),
    usage: chunks.at(-1)?.usage ?? null,
    cache: response.headers.get('x-proxima-cache'),
    contentType: response.headers.get('content-type'),
    at: Date.now(),
  };
}

/** A call the openai client has no method for. */
async function rag(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${f.t.fleet.info.url}/v1/rag/${namespace}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${f.t.fleet.info.apiKey}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function ingest(docs: ReadonlyArray<{ id: string; text: string }>) {
  const res = await rag('POST', '/documents', { documents: docs });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { data: Array<{ id: string; version: number; chunks: number }> })
    .data;
}

/** A client of a tenant of its own, its key made through the admin API. */
async function clientOfTenant(tenant: string): Promise<OpenAI> {
  const res = await fetch(`${f.t.fleet.info.url}/admin/api-keys`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${f.t.fleet.adminToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ tenant, name: `rag-cache-${tenant}` }),
  });
  expect(res.status).toBe(201);
  const { key } = (await res.json()) as { key: string };
  return new OpenAI({ baseURL: `${f.t.fleet.info.url}/v1`, apiKey: key, maxRetries: 0 });
}

const exact: ProximaOptions = { cache: { mode: 'exact' } };
const grounded: ProximaOptions = { rag: { namespace, top_k: 2 } };

describe('RAG through the fleet', () => {
  it('ingests, searches, and grounds a chat, naming the documents and versions it used', async () => {
    const stored = await ingest(documents);
    expect(stored.map((d) => [d.id, d.version])).toEqual(documents.map((d) => [d.id, 1]));
    expect(stored.every((d) => d.chunks >= 1)).toBe(true);

    const listed = await rag('GET', '/documents');
    expect(listed.status).toBe(200);
    const list = (await listed.json()) as { data: Array<{ id: string; version: number }> };
    expect(list.data.map((d) => d.id).sort()).toEqual(documents.map((d) => d.id).sort());

    const searched = await rag('POST', '/search', { query: vpnQuestion, top_k: 2 });
    expect(searched.status).toBe(200);
    const hits = (
      (await searched.json()) as {
        data: Array<{ document_id: string; chunk_id: string; version: number; text: string }>;
      }
    ).data;
    expect(hits).toHaveLength(2);
    expect(hits[0]).toMatchObject({ document_id: 'vpn.md', version: 1 });
    expect(hits[0]?.text).toContain('wg-quick up office');

    const answer = await ask(f.client, vpnQuestion, grounded);
    expect(answer.completion.object).toBe('chat.completion');
    // Caching is off unless asked for: no header at all.
    expect(answer.cache).toBeNull();
    const used = answer.completion.proxima?.rag;
    expect(used?.namespace).toBe(namespace);
    // Grounding runs the same search: the same documents, at the versions they were stored.
    expect(used?.documents.map((d) => d.id).sort()).toEqual(
      [...new Set(hits.map((h) => h.document_id))].sort(),
    );
    for (const d of used?.documents ?? []) {
      expect(d.version).toBe(1);
      expect(d.chunks.length).toBeGreaterThanOrEqual(1);
      for (const chunk of d.chunks) expect(chunk.startsWith(`${d.id}#`)).toBe(true);
    }
  });

  it('puts the grounding documents on the first chunk of a streamed answer', async () => {
    const streamed = await askStreamed(f.client, vpnQuestion, grounded);
    const first = streamed.chunks[0] as
      | (OpenAI.ChatCompletionChunk & { proxima?: { rag?: { documents: RagDocument[] } } })
      | undefined;
    expect(first?.proxima?.rag?.documents.map((d) => d.id)).toContain('vpn.md');
    expect(['stop', 'length']).toContain(streamed.finishReason);
    expect(streamed.ids.size).toBe(1);
  });
});

describe('the cache through the fleet', () => {
  const prompt = 'Count the sheep in field 7.';
  let cached: Answer | undefined;

  it('answers a repeated prompt from the cache (exact), and a different number misses', async () => {
    const first = await ask(f.client, prompt, exact);
    expect(first.cache).toBe('MISS');
    expect(first.text).not.toBe('');
    const again = await askUntilHit(f.client, prompt, exact, first);
    expect(again.text).toBe(first.text);
    expect(again.completion.choices[0]?.finish_reason).toBe(
      first.completion.choices[0]?.finish_reason,
    );
    expect(again.completion.usage).toEqual(first.completion.usage);
    // A replay is a new completion, not the stored one re-sent.
    expect(again.completion.id).not.toBe(first.completion.id);
    cached = first;

    // Asked after the hit, so in a later second than the first answer's generation.
    const other = await ask(f.client, 'Count the sheep in field 8.', exact);
    expect(other.cache).toBe('MISS');
    expect(other.text).not.toBe(first.text);
  });

  it('replays a cached answer as a clean stream through the client’s SSE iterator', async () => {
    if (!cached) throw new Error('needs the exact-mode test first');
    const replay = await askStreamed(f.client, prompt, exact);
    expect(replay.cache).toBe('HIT');
    expect(replay.contentType).toContain('text/event-stream');
    expect(replay.text).toBe(cached.text);
    expect(replay.ids.size).toBe(1);
    expect(replay.ids.has(cached.completion.id)).toBe(false);
    expect(replay.chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(replay.finishReason).toBe(cached.completion.choices[0]?.finish_reason);
    expect(['stop', 'length']).toContain(replay.finishReason);
    expect(replay.usage).toEqual(cached.completion.usage);
  });

  it('serves an answer first produced by streaming as a non-streamed hit', async () => {
    const streamPrompt = 'Describe the colour of door 12.';
    const live = await askStreamed(f.client, streamPrompt, exact);
    expect(live.cache).toBe('MISS');
    expect(live.text).not.toBe('');
    expect(['stop', 'length']).toContain(live.finishReason);
    const hit = await askUntilHit(f.client, streamPrompt, exact, live);
    expect(hit.text).toBe(live.text);
    expect(hit.completion.choices[0]?.finish_reason).toBe(live.finishReason);
  });

  it('never answers one tenant from another’s cache', async () => {
    if (!cached) throw new Error('needs the exact-mode test first');
    const other = await clientOfTenant('rag-cache-other');
    await laterSecond(cached.at);
    const theirs = await ask(other, prompt, exact);
    expect(theirs.cache).toBe('MISS');
    expect(theirs.text).not.toBe(cached.text);
    // Their answer did not replace ours.
    const ours = await ask(f.client, prompt, exact);
    expect(ours).toMatchObject({ cache: 'HIT', text: cached.text });
  });

  it('forgets a grounded answer when a document it used is posted again', async () => {
    const question = 'Which port does the office VPN listen on?';
    const both: ProximaOptions = { ...exact, ...grounded };
    const first = await ask(f.client, question, both);
    expect(first.cache).toBe('MISS');
    const used = first.completion.proxima?.rag?.documents ?? [];
    expect(used.map((d) => d.id)).toContain('vpn.md');
    const hit = await askUntilHit(f.client, question, both, first);
    expect(hit.text).toBe(first.text);

    const [changed] = await ingest([
      { id: 'vpn.md', text: 'The office VPN moved: run wg-quick up hq. It listens on port 51821.' },
    ]);
    expect(changed).toMatchObject({ id: 'vpn.md', version: 2 });
    // Asked after the hit, so in a later second than the first answer's generation.
    const after = await ask(f.client, question, both);
    expect(after.cache).toBe('MISS');
    expect(after.text).not.toBe(first.text);
    expect(after.completion.proxima?.rag?.documents).toContainEqual(
      expect.objectContaining({ id: 'vpn.md', version: 2 }),
    );
  });
});
