// How the local API reports an engine's failures, before and after the answer began, over a
// fixture engine that fails as its prompt says.
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../agent/log.ts';
import {
  ContextOverflowError,
  InvalidRequestError,
  type Engine,
  type GenerateEvent,
  type GenerateRequest,
} from '../engine/engine.ts';
import { startLocalApi, type LocalApi } from './server.ts';

const model = 'fixture-chat';
const SECRET = 'at /home/someone/engine.ts:42 out of memory';

/** Answers "hello world", or fails the way the last user message names. */
async function* generate(req: GenerateRequest): AsyncGenerator<GenerateEvent> {
  await Promise.resolve(); // an engine's answer comes later, never within the call
  const how = req.messages.at(-1)?.content ?? req.prompt?.text ?? '';
  if (how === 'crash before') throw new Error(SECRET);
  if (how === 'refuse')
    throw new InvalidRequestError('token 99999 is not in the vocabulary', 'logit_bias');
  if (how === 'overflow') throw new ContextOverflowError(5000, 4096);
  yield { type: 'delta', text: 'hello' };
  yield { type: 'delta', text: ' world' };
  if (how === 'crash after') throw new Error(SECRET);
  if (how === 'end early') return;
  yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2 } };
}

const fixture: Engine = {
  models: [{ id: model, contextSize: 4096, description: 'fixture chat' }],
  info: () =>
    Promise.resolve({ engine: 'fixture', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  generate: (req) => {
    // As the composite engine does for a model it does not route: before any iteration.
    if (req.messages.at(-1)?.content === 'refuse at once')
      throw new InvalidRequestError('no engine serves it', 'model');
    return generate(req);
  },
  close: () => Promise.resolve(),
};

const logged: Array<{ event: string; fields: Record<string, unknown> }> = [];
const log: Logger = (_level, event, fields = {}) => logged.push({ event, fields });

let api: LocalApi;
let openai: OpenAI;
let ollama: Ollama;

beforeAll(async () => {
  api = await startLocalApi({ engine: fixture, host: '127.0.0.1', port: 0, log });
  openai = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  ollama = new Ollama({ host: api.url });
});
afterAll(async () => {
  await api.close();
});

const ask = (content: string, stream: boolean) =>
  fetch(`${api.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], stream }),
  });

const askOllama = (content: string, stream: boolean) =>
  fetch(`${api.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], stream }),
  });

describe('an engine that fails before the answer began', () => {
  it('is a 500 with a short message, streamed or not; its own words only reach the log', async () => {
    for (const stream of [false, true]) {
      const res = await ask('crash before', stream);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: {
          message: 'The engine failed on the chat.',
          type: 'server_error',
          param: null,
          code: 'internal_error',
        },
      });
      expect(text).not.toContain('/home/someone');
    }
    expect(
      logged.some((l) => l.event === 'local_api.engine_failed' && l.fields['error'] === SECRET),
    ).toBe(true);
  });

  it("names the field an engine refused, and gives a context overflow's numbers", async () => {
    const refused = await ask('refuse', true);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_request', param: 'logit_bias' },
    });
    const atOnce = await ask('refuse at once', false);
    expect(atOnce.status).toBe(400);
    expect(await atOnce.json()).toMatchObject({ error: { param: 'model' } });
    const overflow = await askOllama('overflow', true);
    expect(overflow.status).toBe(400);
    expect(await overflow.json()).toEqual({
      error: `The prompt is 5000 tokens and the context window of '${model}' is 4096 tokens; shorten the prompt.`,
    });
  });
});

describe('an engine that fails after the answer began', () => {
  it('ends an OpenAI stream with an error event, never a silent truncation', async () => {
    const stream = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'crash after' }],
      stream: true,
    });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(text).toBe('hello world');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err)).not.toContain('/home/someone');
    const ended = await (await ask('end early', true)).text();
    expect(ended).toMatch(/data: \{"error":\{"message":"[^"]+","type":"server_error"/);
    expect(ended).not.toContain('[DONE]');
  });

  it('ends an Ollama stream with an {"error"} line', async () => {
    const res = await askOllama('crash after', true);
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 2).map((l) => (l['message'] as { content: string }).content)).toEqual([
      'hello',
      ' world',
    ]);
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[2]!)).toEqual(['error']);
    const client = await ollama.chat({
      model,
      messages: [{ role: 'user', content: 'crash after' }],
      stream: true,
    });
    const failed = await (async () => {
      for await (const part of client) void part;
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(Error);
  });

  it('answers whole when nothing fails, in both dialects', async () => {
    const res = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]?.message.content).toBe('hello world');
    expect(res.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    const whole = await ollama.chat({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    expect(whole).toMatchObject({
      message: { content: 'hello world' },
      done_reason: 'stop',
      eval_count: 2,
    });
  });
});
