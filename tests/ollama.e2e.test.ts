// Ollama's native API on the real fleet (edge in workerd, a node running llama.cpp on the demo
// model), through the official `ollama` npm client.
import { Ollama } from 'ollama';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages = [{ role: 'user', content: 'Say something.' }];

function client(): Ollama {
  return new Ollama({
    host: f.t.fleet.info.url,
    headers: { authorization: `Bearer ${f.t.fleet.info.apiKey}` },
  });
}

/** The error a client call ends with (the client throws ResponseError for HTTP errors). */
async function failure(call: Promise<unknown>): Promise<Error & { status_code?: number }> {
  try {
    await call;
  } catch (err) {
    return err as Error & { status_code?: number };
  }
  throw new Error('expected the call to fail');
}

describe('the Ollama API through the official ollama client', () => {
  it('reports a version Ollama clients accept', async () => {
    const { version } = await client().version();
    const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(6004);
  });

  it('lists the served model (list), and as loaded (ps)', async () => {
    const list = await client().list();
    expect(list.models.map((m) => m.name)).toContain(model);
    const ps = await client().ps();
    expect(ps.models.map((m) => m.name)).toContain(model);
  });

  it('shows the model with its capabilities and context length', async () => {
    const show = await client().show({ model });
    expect(show.capabilities).toContain('completion');
    const info = show.model_info as unknown as Record<string, unknown>;
    const contextLength = info[`${String(info['general.architecture'])}.context_length`];
    expect(contextLength).toBeGreaterThan(0);
  });

  it('chats without streaming, honouring num_predict', async () => {
    const res = await client().chat({
      model,
      messages,
      stream: false,
      options: { num_predict: 8, seed: 1, temperature: 0.7 },
    });
    expect(res.done).toBe(true);
    expect(res.message.role).toBe('assistant');
    expect(typeof res.message.content).toBe('string');
    expect(['stop', 'length']).toContain(res.done_reason);
    expect(res.eval_count).toBeGreaterThan(0);
    expect(res.eval_count).toBeLessThanOrEqual(8);
    expect(res.prompt_eval_count).toBeGreaterThan(0);
    expect(res.total_duration).toBeGreaterThan(0);
  });

  it('streams a chat: parts with done false, then one with done true', async () => {
    const stream = await client().chat({
      model,
      messages,
      options: { num_predict: 24 },
      stream: true,
    });
    const parts: Array<{ done: boolean; content: string }> = [];
    for await (const part of stream) parts.push({ done: part.done, content: part.message.content });
    expect(parts.filter((p) => p.content !== '').length).toBeGreaterThanOrEqual(2);
    expect(parts.at(-1)?.done).toBe(true);
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true);
  });

  it('generates from a prompt, whole and streamed', async () => {
    const whole = await client().generate({
      model,
      prompt: 'Once upon a time',
      system: 'Tell a story.',
      stream: false,
      options: { num_predict: 6 },
    });
    expect(typeof whole.response).toBe('string');
    expect(whole.done).toBe(true);
    expect(whole.eval_count).toBeLessThanOrEqual(6);
    const stream = await client().generate({
      model,
      prompt: 'Once upon a time',
      stream: true,
      options: { num_predict: 6 },
    });
    let text = '';
    let done = false;
    for await (const part of stream) {
      text += part.response ?? '';
      done = part.done;
    }
    expect(done).toBe(true);
    expect(text.length).toBeGreaterThan(0);
  });

  it('answers structured output that parses and matches the schema', async () => {
    const schema = {
      type: 'object',
      // Bounded, so the grammar closes the object well within num_predict even on random weights
      // (an unbounded string may run past it and end as 'length', cut mid-JSON).
      properties: { name: { type: 'string', maxLength: 16 }, age: { type: 'integer' } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    const res = await client().chat({
      model,
      messages: [{ role: 'user', content: 'Describe a person as JSON.' }],
      format: schema,
      stream: false,
      options: { num_predict: 400 },
    });
    expect(res.done_reason).toBe('stop');
    const value = JSON.parse(res.message.content) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['age', 'name']);
    expect(typeof value['name']).toBe('string');
    expect(Number.isInteger(value['age'])).toBe(true);
  });

  it('fails with the status and a message naming the field, in the client', async () => {
    const unknown = await failure(
      client().chat({ model: 'no-such-model', messages, stream: false }),
    );
    expect(unknown.status_code).toBe(404);
    const refused = await failure(
      client().chat({ model, messages, stream: false, options: { top_k: 40 } }),
    );
    expect(refused.status_code).toBe(400);
    expect(refused.message).toContain('options.top_k');
    const noKey = await failure(new Ollama({ host: f.t.fleet.info.url }).list());
    expect(noKey.status_code).toBe(401);
  });
});
