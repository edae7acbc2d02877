// POST /v1/embeddings and /api/embed for a connected node's embedding model, inside workerd: the
// request becomes `embed` jobs on the node protocol, routed, retried once, validated and metered.
import { SELF } from 'cloudflare:test';
import {
  EMBED_JOB_LIMITS,
  embeddingResultFrame,
  type EdgeToNode,
  type EmbedJobRequest,
} from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import {
  ADMIN,
  adminPost,
  BASE,
  chat,
  FakeNode,
  helloFrame,
  newApiKey,
  newNodeToken,
  unique,
  type ErrorJson,
} from './helpers.ts';

type EmbedFrame = Extract<EdgeToNode, { type: 'embed' }>;

interface ListJson {
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The vector the test nodes give a text: its length, its first code unit, and a third. */
const vectorOf = (text: string, dim = 3) =>
  Float32Array.from({ length: dim }, (_, i) =>
    i === 0 ? text.length : i === 1 ? text.charCodeAt(0) : Math.fround(1 / 3),
  );

/** What the test nodes count as a job's prompt tokens: one per input character. */
const tokensOf = (job: EmbedJobRequest) => job.inputs.reduce((n, t) => n + t.length, 0);

function post(path: string, key: string, body: unknown): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The official client's decoding: base64 of little-endian float32. */
function fromBase64(text: string): number[] {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

type Answer = (node: FakeNode, job: EmbedFrame) => void;

/** Answers with vectorOf each input, in the frame core's embeddingResultFrame makes. */
const answerWell: Answer = (node, job) =>
  node.send(
    embeddingResultFrame(job.jobId, job.request, {
      vectors: job.request.inputs.map((t) => vectorOf(t, job.request.dimensions)),
      promptTokens: tokensOf(job.request),
    }),
  );

/**
 * A welcomed node with the 'embed' feature (unless told otherwise) serving `models`, heartbeating
 * (with `inFlight` of its 4 slots busy) and answering every embed frame with `answer`. `jobs`
 * lists the frames it got.
 */
async function embeddingNode(
  models: Array<Record<string, unknown>>,
  answer: Answer = answerWell,
  { features = ['embed'], inFlight = 0 } = {},
) {
  const id = unique('node');
  const node = await FakeNode.connect(id, await newNodeToken(id));
  node.send(helloFrame(id, models, features));
  await node.next('welcome');
  const jobs: EmbedFrame[] = [];
  let running = true;
  const heartbeat = () => node.send({ type: 'heartbeat', inFlight, queued: 0, vramFreeBytes: 0 });
  heartbeat();
  const beat = setInterval(heartbeat, 250);
  const loop = (async () => {
    while (running && !node.closed) {
      const job = await node.next('embed', 100).catch(() => null);
      if (!job) continue;
      jobs.push(job);
      answer(node, job);
    }
  })();
  return {
    id,
    node,
    jobs,
    async stop() {
      running = false;
      clearInterval(beat);
      await loop;
      node.ws.close();
    },
  };
}

const embedModel = (id: string) => ({ id, kind: 'embed', contextSize: 512, description: 'vec' });

describe('embeddings on a node', () => {
  it('splits a request into jobs of at most inputsPerJob, in order, and answers every vector', async () => {
    const key = await newApiKey();
    const model = unique('vec');
    const n = await embeddingNode([embedModel(model)]);
    const input = Array.from({ length: 2 * EMBED_JOB_LIMITS.inputsPerJob + 6 }, (_, i) => `t${i}`);
    const res = await post('/v1/embeddings', key, { model, input, encoding_format: 'float' });
    expect(res.status).toBe(200);
    const body = await res.json<ListJson>();
    expect(body.model).toBe(model);
    expect(body.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(body.data.map((d) => d.embedding)).toEqual(input.map((t) => Array.from(vectorOf(t))));
    const tokens = input.reduce((sum, t) => sum + t.length, 0);
    expect(body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    expect(n.jobs.map((j) => j.request.inputs.length)).toEqual([
      EMBED_JOB_LIMITS.inputsPerJob,
      EMBED_JOB_LIMITS.inputsPerJob,
      6,
    ]);
    expect(n.jobs.flatMap((j) => j.request.inputs)).toEqual(input);
    await n.stop();
  });

  it('answers base64 (bit-exact), passes dimensions on, and serves /api/embed', async () => {
    const key = await newApiKey();
    const model = unique('vec');
    const n = await embeddingNode([embedModel(model)]);
    const input = ['ça va', 'x'];
    const b64 = await post('/v1/embeddings', key, {
      model,
      input,
      encoding_format: 'base64',
      dimensions: 5,
    });
    expect(b64.status).toBe(200);
    const body = await b64.json<ListJson>();
    expect(body.data.map((d) => fromBase64(d.embedding as string))).toEqual(
      input.map((t) => Array.from(vectorOf(t, 5))),
    );
    expect(n.jobs.at(-1)?.request).toEqual({ model, inputs: input, dimensions: 5 });
    const ollama = await post('/api/embed', key, { model, input: 'hello' });
    expect(ollama.status).toBe(200);
    const answer = await ollama.json<{ model: string; embeddings: number[][] }>();
    expect(answer).toMatchObject({ model, embeddings: [Array.from(vectorOf('hello'))] });
    await n.stop();
  });

  it('meters the node’s prompt tokens under the model and the node', async () => {
    const tenant = unique('node-embed-metered');
    const { key } = await (await adminPost('/admin/api-keys', { tenant })).json<{ key: string }>();
    const model = unique('vec');
    const n = await embeddingNode([embedModel(model)]);
    expect((await post('/v1/embeddings', key, { model, input: ['abcd', 'ef'] })).status).toBe(200);
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 40 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const res = await SELF.fetch(
        `${BASE}/admin/usage?tenant=${tenant}&since=1h&group_by=model,backend`,
        { headers: { authorization: `Bearer ${ADMIN}` } },
      );
      rows = (await res.json<{ rows: Array<Record<string, unknown>> }>()).rows;
    }
    expect(rows).toEqual([
      expect.objectContaining({
        model,
        backend: `node:${n.id}`,
        requests: 1,
        promptTokens: 6,
        completionTokens: 0,
        errors: 0,
      }),
    ]);
    await n.stop();
  });

  it("a node's refusal of 'dimensions' is a 400 naming it", async () => {
    const key = await newApiKey();
    const model = unique('vec');
    const n = await embeddingNode([embedModel(model)], (node, job) =>
      node.send({
        type: 'error',
        jobId: job.jobId,
        code: 'invalid_request',
        message: "refused 'dimensions': this model gives 3",
      }),
    );
    const res = await post('/v1/embeddings', key, { model, input: 'x', dimensions: 9 });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error).toMatchObject({ param: 'dimensions' });
    expect(n.jobs).toHaveLength(1); // not retried: the request is at fault
    await n.stop();
  });
});

describe('model kinds', () => {
  it('lists a node embedding model with kind embed, and chat models with kind generate', async () => {
    const key = await newApiKey();
    const vec = unique('vec');
    const llm = unique('llm');
    const n = await embeddingNode([
      embedModel(vec),
      { id: llm, contextSize: 512, description: 'chat' },
    ]);
    const res = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const list = await res.json<{ data: Array<{ id: string; proxima: { kind: string } }> }>();
    const kinds = new Map(list.data.map((m) => [m.id, m.proxima.kind]));
    expect(kinds.get(vec)).toBe('embed');
    expect(kinds.get(llm)).toBe('generate');
    expect(kinds.get('proxima-lexical')).toBe('embed');
    // Ollama's clients read what a model does from /api/show.
    const show = await post('/api/show', key, { model: vec });
    expect((await show.json<{ capabilities: string[] }>()).capabilities).toEqual(['embedding']);
    await n.stop();
  });

  it('a chat request naming an embedding model is a 400 naming model; no job is sent', async () => {
    const key = await newApiKey();
    const vec = unique('vec');
    const n = await embeddingNode([embedModel(vec)]);
    const res = await chat(key, { model: vec, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    const { error } = await res.json<ErrorJson>();
    expect(error.param).toBe('model');
    expect(error.message).toMatch(/an embedding model/);
    expect(n.node.received.filter((m) => m.type === 'job')).toEqual([]);
    await n.stop();
  });

  it('an embeddings request naming a chat model is a 400 naming model', async () => {
    const key = await newApiKey();
    const llm = unique('llm');
    const n = await embeddingNode([{ id: llm, contextSize: 512, description: 'chat' }]);
    const res = await post('/v1/embeddings', key, { model: llm, input: 'x' });
    expect(res.status).toBe(400);
    const { error } = await res.json<ErrorJson>();
    expect(error).toMatchObject({ param: 'model', code: 'invalid_request' });
    expect(error.message).toMatch(/a chat model, not an embedding model/);
    await n.stop();
  });

  it('a model nobody serves keeps the configured embedder’s 404', async () => {
    const key = await newApiKey();
    const res = await post('/v1/embeddings', key, { model: unique('nothing'), input: 'x' });
    expect(res.status).toBe(404);
    const { error } = await res.json<ErrorJson>();
    expect(error).toMatchObject({ param: 'model', code: 'model_not_found' });
    expect(error.message).toMatch(/the embeddings model here is 'proxima-lexical'/);
  });

  it("a node without the 'embed' feature gets no embed job: 503", async () => {
    const key = await newApiKey();
    const vec = unique('vec');
    const n = await embeddingNode([embedModel(vec)], answerWell, { features: [] });
    const res = await post('/v1/embeddings', key, { model: vec, input: 'x' });
    expect(res.status).toBe(503);
    expect(n.node.received.filter((m) => m.type === 'embed')).toEqual([]);
    await n.stop();
  });
});

describe('failures', () => {
  /**
   * Sends requests until `bad` has failed one (routing prefers it: the good node reports busy
   * slots, once its heartbeat reached presence); each must succeed.
   */
  async function untilTried(key: string, model: string, bad: { jobs: EmbedFrame[] }) {
    for (let i = 0; i < 30 && bad.jobs.length === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const res = await post('/v1/embeddings', key, { model, input: ['a', 'bc'] });
      expect(res.status).toBe(200);
      const body = await res.json<ListJson>();
      expect(body.data.map((d) => d.embedding)).toEqual(
        ['a', 'bc'].map((t) => Array.from(vectorOf(t))),
      );
    }
    expect(bad.jobs.length).toBeGreaterThan(0);
  }

  const malformed: Array<[string, Answer]> = [
    [
      'too few vectors',
      (node, job) =>
        node.send({
          type: 'embedding',
          jobId: job.jobId,
          vectors: ['AACAPw=='],
          promptTokens: 1,
        }),
    ],
    [
      'a frame that fails validation',
      (node, job) =>
        node.send({
          type: 'embedding',
          jobId: job.jobId,
          vectors: ['not base64!'],
          promptTokens: 1,
        }),
    ],
    [
      'text instead of vectors',
      (node, job) => node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'hi' }),
    ],
  ];

  for (const [what, answer] of malformed) {
    it(`a malformed result (${what}) fails that job only: retried on another node`, async () => {
      const key = await newApiKey();
      const model = unique('vec');
      const bad = await embeddingNode([embedModel(model)], answer);
      const good = await embeddingNode([embedModel(model)], answerWell, { inFlight: 3 });
      await untilTried(key, model, bad);
      expect(bad.node.closed).toBeNull(); // the connection lives on
      expect(bad.node.received.some((m) => m.type === 'cancel')).toBe(true);
      await bad.stop();
      await good.stop();
    });
  }

  it('a node that disconnects mid-job: the job is retried on another node', async () => {
    const key = await newApiKey();
    const model = unique('vec');
    const dropping = await embeddingNode([embedModel(model)], (node) => node.ws.close(1011, 'x'));
    const good = await embeddingNode([embedModel(model)], answerWell, { inFlight: 3 });
    await untilTried(key, model, dropping);
    await dropping.stop();
    await good.stop();
  });

  it('when every node fails the job, a 502 that says the node failed', async () => {
    const key = await newApiKey();
    const model = unique('vec');
    const failing: Answer = (node, job) =>
      node.send({ type: 'error', jobId: job.jobId, code: 'engine_failed', message: 'oom' });
    const a = await embeddingNode([embedModel(model)], failing);
    const b = await embeddingNode([embedModel(model)], failing);
    const res = await post('/v1/embeddings', key, { model, input: 'x' });
    expect(res.status).toBe(502);
    const { error } = await res.json<ErrorJson>();
    expect(error.code).toBe('node_failed');
    expect(error.message).not.toMatch(/oom/);
    // Tried once, then once more elsewhere: never twice on one node, never a third time.
    expect([a.jobs.length, b.jobs.length].sort()).toEqual([1, 1]);
    await a.stop();
    await b.stop();
  });
});
