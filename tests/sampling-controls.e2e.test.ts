// logit_bias, frequency/presence penalties and log probabilities on the real fleet (edge in
// workerd, a node running llama.cpp on the random-weight demo model), through the official openai
// client. Token ids come from the demo model's own vocabulary.
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { demoVocabulary } from '../local-node/src/model/demo-vocab.ts';
import { collectChatStream } from './chat-stream.ts';
import { useTestFleet } from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Tell me a story.' },
];
const vocab = demoVocabulary().tokens;
/** SentencePiece writes a word-initial space as U+2581; clients see a space. */
const idOf = (text: string): number => vocab.indexOf(text.replaceAll(' ', '\u2581'));
/** The multi-character pieces: no byte token decodes to the same text. */
const PIECES = new Set(
  vocab
    .filter((t) => [...t].length > 1 && !t.startsWith('<'))
    .map((t) => t.replaceAll('\u2581', ' ')),
);

type Params = Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'model' | 'messages'>;

/**
 * The sampled tokens of one answer, read from its log probabilities: their texts, and their bytes
 * as keys (byte tokens of broken characters all read '\uFFFD', their bytes tell them apart).
 */
async function tokensOf(
  params: Params,
): Promise<{ text: string; tokens: string[]; keys: string[] }> {
  const res = await f.client.chat.completions.create({
    model,
    messages,
    logprobs: true,
    ...params,
  });
  const entries = res.choices[0]?.logprobs?.content ?? [];
  expect(entries).toHaveLength(res.usage?.completion_tokens ?? -1);
  return {
    text: res.choices[0]?.message.content ?? '',
    tokens: entries.map((e) => e.token),
    keys: entries.map((e) => (e.bytes ?? []).join(',')),
  };
}

/** How often the most frequent piece occurs. */
function topPiece(tokens: readonly string[]): [string, number] {
  const counts = new Map<string, number>();
  for (const t of tokens) if (PIECES.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
}

describe('logit_bias', () => {
  // The first piece's word-initial space is not shown, as with any SentencePiece model.
  const eightThes = Array(8).fill('the').join(' ');

  it('+100 on one token: the answer is that token, repeated', async () => {
    const the = idOf(' the');
    expect(the).toBeGreaterThan(0);
    const res = await f.client.chat.completions.create({
      model,
      messages,
      max_tokens: 8,
      seed: 1,
      logit_bias: { [the]: 100 },
    });
    expect(res.choices[0]?.finish_reason).toBe('length');
    expect(res.choices[0]?.message.content).toBe(eightThes);
    const streamed = await collectChatStream(
      await f.client.chat.completions.create({
        model,
        messages,
        max_tokens: 8,
        seed: 2,
        logit_bias: { [the]: 100 },
        stream: true,
      }),
    );
    expect(streamed.content).toBe(eightThes);
  });

  it('+100 through /v1/completions too', async () => {
    const res = await f.client.completions.create({
      model,
      prompt: 'Once upon a time',
      max_tokens: 5,
      logit_bias: { [idOf('he')]: 100 },
    });
    expect(res.choices[0]?.text).toBe('he'.repeat(5));
  });

  it('-100 bans a token the same seed otherwise writes most often', async () => {
    const base = { max_tokens: 96, seed: 4 };
    const free = await tokensOf(base);
    const [top, seen] = topPiece(free.tokens);
    expect(seen).toBeGreaterThan(1);
    const banned = await tokensOf({ ...base, logit_bias: { [idOf(top)]: -100 } });
    expect(banned.tokens).toHaveLength(96);
    expect(banned.tokens).not.toContain(top);
  });

  const outside = () =>
    f.client.chat.completions.create({
      model,
      messages,
      max_tokens: 4,
      logit_bias: { [vocab.length + 5]: 10 },
    });

  it('400 naming logit_bias for a token id outside the vocabulary (only the node knows it)', async () => {
    const err = await badRequest(outside());
    expect(err.message).toMatch(/logit_bias/);
    expect(err.param).toBe('logit_bias');
  });
});

describe('frequency_penalty and presence_penalty', () => {
  const base = { max_tokens: 64, seed: 11, temperature: 1 };

  it('change the answer for a fixed seed, which without them reproduces', async () => {
    const [a, b, frequency, presence] = await Promise.all([
      tokensOf(base),
      tokensOf(base),
      tokensOf({ ...base, frequency_penalty: 2 }),
      tokensOf({ ...base, presence_penalty: 2 }),
    ]);
    expect(b.text).toBe(a.text);
    expect(frequency.text).not.toBe(a.text);
    expect(presence.text).not.toBe(a.text);
  });

  it('penalise repeats, and reward them when negative', async () => {
    // Repeated tokens, summed over seeds: one answer's count is noisy, the direction is not.
    let [rewarded, free, penalised] = [0, 0, 0];
    for (const seed of [1, 2, 3]) {
      const p = { ...base, seed };
      const runs = await Promise.all([
        tokensOf({ ...p, frequency_penalty: -1 }),
        tokensOf(p),
        tokensOf({ ...p, frequency_penalty: 2 }),
      ]);
      const repeats = runs.map((r) => r.keys.length - new Set(r.keys).size);
      rewarded += repeats[0]!;
      free += repeats[1]!;
      penalised += repeats[2]!;
    }
    expect(rewarded).toBeGreaterThan(free);
    expect(penalised).toBeLessThan(free);
  });
});

describe('logprobs with top_logprobs', () => {
  const params = { max_tokens: 12, seed: 5, logprobs: true, top_logprobs: 4 };

  function expectShape(entries: readonly OpenAI.ChatCompletionTokenLogprob[], n: number): void {
    expect(entries).toHaveLength(n);
    for (const e of entries) {
      expect(e.logprob).toBeLessThanOrEqual(0);
      expect(Array.isArray(e.bytes)).toBe(true);
      expect(e.top_logprobs.length).toBeGreaterThan(0);
      expect(e.top_logprobs.length).toBeLessThanOrEqual(4);
      const lps = e.top_logprobs.map((t) => t.logprob);
      for (const lp of lps) expect(lp).toBeLessThanOrEqual(0);
      expect(lps).toEqual([...lps].sort((x, y) => y - x));
      // Nothing outside the top is likelier than its last entry.
      if (!e.top_logprobs.some((t) => t.token === e.token && t.logprob === e.logprob))
        expect(e.logprob).toBeLessThanOrEqual(lps.at(-1)!);
    }
  }

  it('one entry per sampled token, top alternatives sorted, streamed as not streamed', async () => {
    const whole = await f.client.chat.completions.create({ model, messages, ...params });
    const entries = whole.choices[0]?.logprobs?.content ?? [];
    expectShape(entries, whole.usage?.completion_tokens ?? -1);
    // The bytes of the sampled tokens are the text, byte for byte.
    const bytes = Buffer.from(entries.flatMap((e) => e.bytes ?? []));
    expect(bytes.toString('utf8')).toBe(whole.choices[0]?.message.content);

    const streamed = await collectChatStream(
      await f.client.chat.completions.create({ model, messages, ...params, stream: true }),
    );
    expect(streamed.logprobs).toEqual(entries);
  });

  it('at temperature 0 the sampled token is the likeliest one', async () => {
    const res = await f.client.chat.completions.create({
      model,
      messages,
      ...params,
      temperature: 0,
    });
    const entries = res.choices[0]?.logprobs?.content ?? [];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.top_logprobs[0]?.token).toBe(e.token);
      expect(e.top_logprobs[0]?.logprob).toBe(e.logprob);
    }
  });

  it('top_logprobs 0: the sampled tokens only; no logprobs asked: null', async () => {
    const none = await f.client.chat.completions.create({
      model,
      messages,
      ...params,
      top_logprobs: 0,
    });
    const entries = none.choices[0]?.logprobs?.content ?? [];
    expect(entries).toHaveLength(none.usage?.completion_tokens ?? -1);
    for (const e of entries) expect(e.top_logprobs).toEqual([]);
    const off = await f.client.chat.completions.create({ model, messages, max_tokens: 4 });
    expect(off.choices[0]?.logprobs ?? null).toBeNull();
  });
});
