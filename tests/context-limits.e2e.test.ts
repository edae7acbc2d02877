import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const f = useTestFleet();
const model = 'proxima-demo';

/** The demo model's context window as its node announced it (GET /v1/models/{id}). */
async function contextLength(): Promise<number> {
  const entry = (await f.client.models.retrieve(model)) as OpenAI.Model & {
    proxima?: { context_length: number | null };
  };
  const n = entry.proxima?.context_length;
  if (typeof n !== 'number') throw new Error('the model entry has no context_length');
  return n;
}

/** Jobs the node has started so far (its own log). */
function jobsStarted(): number {
  const nodeId = f.t.fleet.nodes[0]?.nodeId ?? '';
  return f.t.events(nodeId).filter((e) => e['event'] === 'job.started').length;
}

describe('prompts longer than the context, through the openai client', () => {
  it('far too long: a 400 stating the context and the prompt size, and no job on the node', async () => {
    const context = await contextLength();
    // Past any tokenizer's reach: more bytes than the context times the longest token.
    const text = 'x'.repeat(context * 40);
    const before = jobsStarted();
    // Each call starts when its turn comes: a refusal that arrived before its await would be an
    // unhandled rejection.
    const cases: Array<[string, () => Promise<unknown>]> = [
      [
        'messages',
        () =>
          f.client.chat.completions.create({ model, messages: [{ role: 'user', content: text }] }),
      ],
      [
        'messages',
        () =>
          f.client.chat.completions.create({
            model,
            messages: [{ role: 'user', content: text }],
            stream: true,
          }),
      ],
      ['prompt', () => f.client.completions.create({ model, prompt: text })],
      ['prompt', () => f.client.completions.create({ model, prompt: text, stream: true })],
    ];
    for (const [param, call] of cases) {
      const err = await badRequest(call());
      expect(err.code).toBe('context_length_exceeded');
      expect(err.param).toBe(param);
      expect(err.message).toContain(`is ${context} tokens`);
      expect(err.message).toContain(`The prompt is ${text.length} bytes`);
    }
    expect(jobsStarted()).toBe(before);
  });

  it('too long by its tokens only: the node counts them, and the 400 says how many', async () => {
    const context = await contextLength();
    // Each 'x' is one byte-fallback token in the demo vocabulary: over the context, yet within
    // the bytes a context of that size could hold.
    const text = 'x'.repeat(context + 100);
    const chat = await badRequest(
      f.client.chat.completions.create({ model, messages: [{ role: 'user', content: text }] }),
    );
    const completion = await badRequest(f.client.completions.create({ model, prompt: text }));
    for (const [err, param] of [
      [chat, 'messages'],
      [completion, 'prompt'],
    ] as const) {
      expect(err.code).toBe('context_length_exceeded');
      expect(err.param).toBe(param);
      expect(err.message).toContain(`is ${context} tokens`);
      const counted = Number(/The prompt is (\d+) tokens/.exec(err.message)?.[1]);
      expect(counted).toBeGreaterThan(context);
    }
  });

  it('a prompt that fits is served', async () => {
    const context = await contextLength();
    const res = await f.client.completions.create({
      model,
      prompt: 'x'.repeat(context - 100),
      max_tokens: 2,
    });
    expect(res.choices[0]?.finish_reason).toBe('length');
    expect(res.usage?.prompt_tokens).toBeLessThan(context);
  });
});
