import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const prompt = 'The quick brown fox';

describe('POST /v1/completions through edge -> node -> llama.cpp, with the official openai client', () => {
  it('answers text_completion with usage, stopping at the legacy default of 16 tokens', async () => {
    // Greedy: at temperature 1 the engine can sample a 17th token when one ends inside a character.
    const res = await f.client.completions.create({ model, prompt, temperature: 0 });
    expect(res.object).toBe('text_completion');
    expect(res.id).toMatch(/^cmpl-/);
    expect(res.model).toBe(model);
    const choice = res.choices[0];
    expect(typeof choice?.text).toBe('string');
    expect(choice?.logprobs).toBeNull();
    // The demo model rarely samples its end token, so it runs to max_tokens.
    expect(choice?.finish_reason).toBe('length');
    expect(res.usage?.completion_tokens).toBe(16);
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams the same text as the whole answer at temperature 0, then usage', async () => {
    const params = { model, prompt, max_tokens: 24, temperature: 0 };
    const whole = await f.client.completions.create(params);
    const stream = await f.client.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let pieces = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      const c = chunk.choices[0];
      if (c?.text) {
        text += c.text;
        pieces++;
      }
      finish = c?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces).toBeGreaterThanOrEqual(2);
    expect(text).toBe(whole.choices[0]?.text);
    expect(finish).toBe(whole.choices[0]?.finish_reason);
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  it('runs raw: no chat template around the prompt', async () => {
    const raw = await f.client.completions.create({ model, prompt, max_tokens: 1 });
    const chatted = await f.client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: prompt }],
      max_tokens: 1,
    });
    // The chat template adds its markers; the raw prompt is the text and a BOS token.
    expect(raw.usage?.prompt_tokens).toBeLessThan(chatted.usage?.prompt_tokens ?? 0);
  });

  it("fills in the middle with 'suffix' on the demo model, which lists 'fim'", async () => {
    const entry = (await f.client.models.retrieve(model)) as OpenAI.Model & {
      proxima?: { capabilities: string[] };
    };
    expect(entry.proxima?.capabilities).toContain('fim');
    const plain = await f.client.completions.create({
      model,
      prompt: 'def add(a, b):',
      max_tokens: 8,
    });
    const infill = await f.client.completions.create({
      model,
      prompt: 'def add(a, b):',
      suffix: '\n    return total\n',
      max_tokens: 8,
    });
    expect(typeof infill.choices[0]?.text).toBe('string');
    expect(['stop', 'length']).toContain(infill.choices[0]?.finish_reason);
    // The suffix and the three FIM markers are evaluated too.
    expect(infill.usage?.prompt_tokens).toBeGreaterThan((plain.usage?.prompt_tokens ?? 0) + 3);
  });

  it('returns log probabilities in the legacy shape', async () => {
    const res = await f.client.completions.create({
      model,
      prompt,
      max_tokens: 6,
      logprobs: 3,
      temperature: 0,
    });
    const lp = res.choices[0]?.logprobs;
    const n = res.usage?.completion_tokens ?? 0;
    expect(lp?.tokens).toHaveLength(n);
    expect(lp?.token_logprobs).toHaveLength(n);
    expect(lp?.text_offset?.[0]).toBe(0);
    lp?.token_logprobs?.forEach((l) => expect(l).toBeLessThanOrEqual(0));
    lp?.top_logprobs?.forEach((top, i) => {
      const token = lp.tokens?.[i] ?? '';
      // The sampled token is always there, with up to 3 alternatives.
      expect(top[token]).toBe(lp.token_logprobs?.[i]);
      expect(Object.keys(top).length).toBeLessThanOrEqual(4);
      // At temperature 0 the sampled token is the most likely one.
      expect(Math.max(...Object.values(top))).toBe(top[token]);
    });
    for (let i = 1; i < n; i++)
      expect(lp?.text_offset?.[i]).toBeGreaterThanOrEqual(lp?.text_offset?.[i - 1] ?? 0);
  });

  it('echo returns the prompt before the completion', async () => {
    const res = await f.client.completions.create({ model, prompt, max_tokens: 4, echo: true });
    expect(res.choices[0]?.text.startsWith(prompt)).toBe(true);
    expect(res.choices[0]?.text.length).toBeGreaterThan(prompt.length);
  });

  it.each([
    ['several prompts', { prompt: ['a', 'b'] }, 'prompt'],
    ['token ids', { prompt: [1, 2, 3] }, 'prompt'],
    ['n > 1', { n: 2 }, 'n'],
    ['best_of > 1', { best_of: 2 }, 'best_of'],
    ['logprobs > 5', { logprobs: 6 }, 'logprobs'],
    ['echo with a suffix', { echo: true, suffix: 'x' }, 'echo'],
  ])('400 naming the field for %s', async (_, patch, param) => {
    const err = await badRequest(f.client.completions.create({ model, prompt, ...patch }));
    expect(err.param).toBe(param);
  });
});
