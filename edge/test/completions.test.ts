import { SELF } from 'cloudflare:test';
import type { EdgeToNode } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import {
  answerJob,
  BASE,
  chat,
  type FakeNode,
  nodeWithCapabilities,
  newApiKey,
  readSse,
  unique,
  type ErrorJson,
} from './helpers.ts';

type Job = Extract<EdgeToNode, { type: 'job' }>;

interface Chunk {
  object: string;
  choices: Array<{ text: string; finish_reason: string | null }>;
  usage?: { total_tokens: number };
}

async function complete(key: string, body: unknown): Promise<Response> {
  return SELF.fetch(`${BASE}/v1/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const nodeWith = nodeWithCapabilities;

const bytesOf = (s: string) => [...new TextEncoder().encode(s)];
const lp = (token: string, logprob: number, top: Array<[string, number]>) => ({
  token,
  logprob,
  bytes: bytesOf(token),
  top: top.map(([t, l]) => ({ token: t, logprob: l, bytes: bytesOf(t) })),
});

/** Answers the job with the given chunks, then done ('length'). */
const answer = (node: FakeNode, job: Job, chunks: Array<Record<string, unknown>>) =>
  answerJob(node, job, chunks, 'length');

describe('POST /v1/completions', () => {
  it('sends the raw prompt (no messages) with the legacy default max_tokens, answers text_completion', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const pending = complete(key, { model, prompt: 'Once upon', seed: 3 });
    const job = await node.next('job');
    expect(job.request.messages).toEqual([]);
    expect(job.request.prompt).toEqual({ text: 'Once upon' });
    expect(job.request.maxTokens).toBe(16);
    expect(job.request.seed).toBe(3);
    answer(node, job, [{ text: ' a' }, { text: ' time' }]);
    const res = await pending;
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      object: 'text_completion',
      model,
      choices: [{ index: 0, text: ' a time', logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
    expect(String(body['id'])).toMatch(/^cmpl-/);
  });

  it('streams text_completion chunks, the finish, usage when asked, then [DONE]', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const pending = complete(key, {
      model,
      prompt: 'x',
      stream: true,
      stream_options: { include_usage: true },
    });
    const job = await node.next('job');
    answer(node, job, [{ text: 'a' }, { text: 'b' }]);
    const res = await pending;
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSse(res);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.text)).join('')).toBe('ab');
    const finishes = chunks.flatMap((c) =>
      c.choices.map((ch) => ch.finish_reason).filter((f) => f !== null),
    );
    expect(finishes).toEqual(['length']);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
  });

  it('echo puts the prompt first, whole and streamed', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const whole = complete(key, { model, prompt: 'Hello', echo: true });
    answer(node, await node.next('job'), [{ text: ' world' }]);
    const body = await (await whole).json<{ choices: Array<{ text: string }> }>();
    expect(body.choices[0]?.text).toBe('Hello world');
    const streamed = complete(key, { model, prompt: 'Hello', echo: true, stream: true });
    answer(node, await node.next('job'), [{ text: ' there' }]);
    const events = (await readSse(await streamed)).slice(0, -1);
    const first = JSON.parse(events[0] ?? '{}') as { choices: Array<{ text: string }> };
    expect(first.choices[0]?.text).toBe('Hello');
  });

  it("logprobs in the legacy shape, offsets continuing across a stream's chunks", async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, ['logprobs']);
    const chunks = [
      {
        text: 'ab',
        logprobs: [
          lp('ab', -0.5, [
            ['ab', -0.5],
            ['c', -1.5],
          ]),
        ],
      },
      { text: 'é', logprobs: [lp('é', -0.25, [['d', -2]])] },
    ];
    const whole = complete(key, { model, prompt: 'p', logprobs: 2 });
    const job = await node.next('job');
    expect(job.request.logprobs).toBe(2);
    answer(node, job, chunks);
    const body = await (await whole).json<{ choices: Array<{ logprobs: unknown }> }>();
    expect(body.choices[0]?.logprobs).toEqual({
      tokens: ['ab', 'é'],
      token_logprobs: [-0.5, -0.25],
      top_logprobs: [
        { ab: -0.5, c: -1.5 },
        { d: -2, é: -0.25 },
      ],
      text_offset: [0, 2],
    });
    const streamed = complete(key, { model, prompt: 'p', logprobs: 2, stream: true });
    answer(node, await node.next('job'), chunks);
    const events = (await readSse(await streamed)).slice(0, -1).map(
      (e) =>
        JSON.parse(e) as {
          choices: Array<{ logprobs: { text_offset: number[] } | null; finish_reason: unknown }>;
        },
    );
    const offsets = events.flatMap((e) => e.choices[0]?.logprobs?.text_offset ?? []);
    expect(offsets).toEqual([0, 2]);
  });

  it("a suffix goes to a model with 'fim', and is refused naming 'suffix' by one without", async () => {
    const key = await newApiKey();
    const plain = unique('model');
    const plainNode = await nodeWith(plain, []);
    const refused = await complete(key, { model: plain, prompt: 'def f(', suffix: ')' });
    expect(refused.status).toBe(400);
    const error = (await refused.json<ErrorJson>()).error;
    expect(error.param).toBe('suffix');
    expect(error.code).toBe('unsupported_parameter');
    expect(plainNode.received.some((m) => m.type === 'job')).toBe(false);

    const fim = unique('model');
    const fimNode = await nodeWith(fim, ['fim']);
    const pending = complete(key, { model: fim, prompt: 'def f(', suffix: '):\n' });
    const job = await fimNode.next('job');
    expect(job.request.prompt).toEqual({ text: 'def f(', suffix: '):\n' });
    answer(fimNode, job, [{ text: 'x' }]);
    expect((await pending).status).toBe(200);
  });

  it.each([
    [{ prompt: ['a', 'b'] }, 'prompt'],
    [{ prompt: [1, 2] }, 'prompt'],
    [{ n: 2 }, 'n'],
    [{ best_of: 2 }, 'best_of'],
    [{ logprobs: 6 }, 'logprobs'],
    [{ top_k: 5 }, 'top_k'],
    [{ messages: [] }, 'messages'],
    [{ proxima: { cache: { mode: 'exact' } } }, 'proxima'],
  ])('400 naming the field: %j', async (patch, param) => {
    const key = await newApiKey();
    const res = await complete(key, { model: 'm', prompt: 'p', ...patch });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.param).toBe(param);
  });

  it('405 for GET, naming POST', async () => {
    const res = await SELF.fetch(`${BASE}/v1/completions`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('a prompt certainly over the context is a 400 stating both sizes, before any job', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, [], 2);
    const res = await complete(key, { model, prompt: 'y'.repeat(300) });
    expect(res.status).toBe(400);
    const error = (await res.json<ErrorJson>()).error;
    expect(error.code).toBe('context_length_exceeded');
    expect(error.param).toBe('prompt');
    expect(error.message).toContain('2 tokens');
    expect(error.message).toContain('300 bytes');
    expect(node.received.some((m) => m.type === 'job')).toBe(false);
  });

  it("a node's own token count reaches the client: chat and completions, not the node's other words", async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await nodeWith(model, []);
    const refuse = async (pending: Promise<Response>, message: string) => {
      const job = await node.next('job');
      node.send({ type: 'error', jobId: job.jobId, code: 'context_length_exceeded', message });
      const res = await pending;
      expect(res.status).toBe(400);
      return (await res.json<ErrorJson>()).error;
    };
    const completion = await refuse(
      complete(key, { model, prompt: 'p' }),
      'prompt is 300 tokens; the context holds 256',
    );
    expect(completion.code).toBe('context_length_exceeded');
    expect(completion.param).toBe('prompt');
    expect(completion.message).toContain('300 tokens');
    expect(completion.message).toContain('256 tokens');
    const chatted = await refuse(
      chat(key, { model, messages: [{ role: 'user', content: 'p' }] }),
      'prompt is 301 tokens; the context holds 256',
    );
    expect(chatted.param).toBe('messages');
    expect(chatted.message).toContain('301 tokens');
    const other = await refuse(
      complete(key, { model, prompt: 'p' }),
      'prompt is 300 tokens; /home/secret/path',
    );
    expect(other.code).toBe('context_length_exceeded');
    expect(other.message).not.toContain('secret');
  });
});
