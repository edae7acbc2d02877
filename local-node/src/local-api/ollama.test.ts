// The local API's Ollama routes through the official `ollama` client, over the real llama engine
// on the demo model.
import { OLLAMA_API_VERSION } from '@proxima/core/protocol/ollama';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../engine/json-schema-validator.testing.ts';
import { DEMO_MODEL as model, startDemoApi, type DemoApi } from './local-api.testing.ts';

let demo: DemoApi;
let client: Ollama;

beforeAll(async () => {
  demo = await startDemoApi();
  client = new Ollama({ host: demo.api.url });
});
afterAll(async () => {
  await demo.close();
});

const messages = [{ role: 'user', content: 'Say something.' }];
const SLOW = { timeout: 120_000 };

/** The error a client call ends with (the client throws ResponseError for HTTP errors). */
async function failure(call: Promise<unknown>): Promise<Error & { status_code?: number }> {
  try {
    await call;
  } catch (err) {
    return err as Error & { status_code?: number };
  }
  throw new Error('expected the call to fail');
}

describe('the local API through the official ollama client', () => {
  it('reports the Ollama API version it follows', async () => {
    expect(await client.version()).toEqual({ version: OLLAMA_API_VERSION });
  });

  it('lists the model (tags), as loaded (ps), and shows it with its context', async () => {
    const tags = await client.list();
    expect(tags.models.map((m) => m.name)).toEqual([model]);
    const ps = await client.ps();
    expect(ps.models.map((m) => m.name)).toEqual([model]);
    const show = await client.show({ model });
    expect(show.capabilities).toEqual(expect.arrayContaining(['completion', 'tools', 'insert']));
    const info = show.model_info as unknown as Record<string, unknown>;
    expect(info[`${String(info['general.architecture'])}.context_length`]).toBe(2048);
    const missing = await failure(client.show({ model: 'nope' }));
    expect(missing.status_code).toBe(404);
    expect(missing.message).toMatch(/'nope' does not exist/);
  });

  it('chats whole and streamed, the same answer for a seed, with metrics in ns', async () => {
    const options = { num_predict: 10, seed: 3, temperature: 0.7 };
    const whole = await client.chat({ model, messages, stream: false, options });
    expect(whole.done).toBe(true);
    expect(whole.message.role).toBe('assistant');
    expect(['stop', 'length']).toContain(whole.done_reason);
    expect(whole.eval_count).toBeLessThanOrEqual(10);
    expect(whole.prompt_eval_count).toBeGreaterThan(0);
    expect(whole.total_duration).toBeGreaterThan(0);
    const stream = await client.chat({ model, messages, stream: true, options });
    let text = '';
    let last: { done: boolean; done_reason?: string; eval_count?: number } | undefined;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    expect(text).toBe(whole.message.content);
    expect(last).toMatchObject({ done: true, done_reason: whole.done_reason });
    expect(last?.eval_count).toBe(whole.eval_count);
  });

  it('answers /api/chat in a JSON schema given as format', SLOW, async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 8 }, age: { type: 'integer' } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    const validate = schemaValidator();
    let finished = 0;
    for (const seed of [1, 2, 3]) {
      const res = await client.chat({
        model,
        messages,
        format: schema,
        stream: false,
        options: { seed, num_predict: 400 },
        keep_alive: '5m',
        think: false,
      });
      if (res.done_reason !== 'stop') continue;
      finished++;
      expect(validate(schema, JSON.parse(res.message.content)), res.message.content).toBeNull();
    }
    expect(finished).toBeGreaterThan(0);
  });

  it('generates from a prompt, raw, and in the middle with a suffix', async () => {
    const plain = await client.generate({
      model,
      prompt: 'Once upon a',
      stream: false,
      options: { num_predict: 6 },
    });
    expect(plain.done).toBe(true);
    expect(typeof plain.response).toBe('string');
    const raw = await client.generate({
      model,
      prompt: 'Once upon a',
      raw: true,
      stream: false,
      options: { num_predict: 6 },
    });
    // The chat template adds its markers around a prompt that is not raw.
    expect(raw.prompt_eval_count).toBeLessThan(plain.prompt_eval_count);
    const parts: string[] = [];
    const stream = await client.generate({
      model,
      prompt: 'def add(a, b):',
      suffix: '\n    return total\n',
      stream: true,
      options: { num_predict: 8 },
    });
    let done = false;
    for await (const part of stream) {
      parts.push(part.response ?? '');
      done = part.done;
    }
    expect(done).toBe(true);
    expect(parts.length).toBeGreaterThan(1);
  });

  it('answers an empty conversation as loaded', async () => {
    const res = await client.chat({ model, messages: [], stream: false });
    expect(res).toMatchObject({ done: true, done_reason: 'load' });
  });

  it("names Ollama's own fields in errors", async () => {
    const err = await failure(
      client.chat({ model, messages, stream: false, options: { num_ctx: 4096 } }),
    );
    expect(err.status_code).toBe(400);
    expect(err.message).toMatch(/'options\.num_ctx' is 4096/);
    const unknown = await failure(client.chat({ model: 'nope', messages, stream: false }));
    expect(unknown.status_code).toBe(404);
    // The demo model has no 'vision': the images are refused by their own name.
    const png =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const image = await failure(
      client.generate({ model, prompt: 'What is this?', images: [png], stream: false }),
    );
    expect(image.status_code).toBe(400);
    expect(image.message).toMatch(/^'images' needs a model with the 'vision' capability/);
  });
});
