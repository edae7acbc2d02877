// The sampling parameters of both OpenAI APIs have their effect on the real engine, through the
// official client: the evidence that core/protocol/openai/sdk-params.test.ts points to.
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const prompt = 'Once upon a time';

/** One answer's text, from either API, with the given sampling parameters. */
type Sampling = { temperature?: number; top_p?: number; seed?: number; stop?: string[] };
type Api = (p: Sampling) => Promise<{ text: string; finish: string | null | undefined }>;

const apis: Array<[string, Api]> = [
  [
    'chat',
    async (p) => {
      const res = await f.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: prompt }],
        max_tokens: 24,
        ...p,
      });
      return { text: res.choices[0]?.message.content ?? '', finish: res.choices[0]?.finish_reason };
    },
  ],
  [
    'completions',
    async (p) => {
      const res = await f.client.completions.create({ model, prompt, max_tokens: 24, ...p });
      return { text: res.choices[0]?.text ?? '', finish: res.choices[0]?.finish_reason };
    },
  ],
];

describe.each(apis)('sampling parameters on %s', (_, answer) => {
  it('temperature: 0 is greedy whatever the seed; 1.5 samples, so seeds differ', async () => {
    const greedy = await Promise.all([1, 2].map((seed) => answer({ temperature: 0, seed })));
    expect(greedy[0]?.text).toBe(greedy[1]?.text);
    const hot = await Promise.all([1, 2].map((seed) => answer({ temperature: 1.5, seed })));
    expect(hot[0]?.text).not.toBe(hot[1]?.text);
  });

  it('seed: the same seed gives the same sampled text', async () => {
    const [a, b] = await Promise.all([answer({ seed: 7 }), answer({ seed: 7 })]);
    expect(a?.text).toBe(b?.text);
  });

  it('top_p: a tiny nucleus keeps only the likeliest token, so any seed gives the greedy text', async () => {
    const greedy = await answer({ temperature: 0 });
    const narrow = await Promise.all(
      [1, 2].map((seed) => answer({ temperature: 1, top_p: 1e-6, seed })),
    );
    expect(narrow[0]?.text).toBe(greedy.text);
    expect(narrow[1]?.text).toBe(greedy.text);
  });

  it('stop: the text ends before the stop string, with finish_reason stop', async () => {
    const full = await answer({ temperature: 0 });
    // A stop string the model says anyway: an ASCII letter past its first few characters (the
    // demo model's text also holds bytes of broken characters, which no stop string can match).
    const stop = /[A-Za-z]/.exec(full.text.slice(3))?.[0] ?? '';
    expect(stop).not.toBe('');
    const cut = await answer({ temperature: 0, stop: [stop] });
    expect(cut.finish).toBe('stop');
    const at = full.text.indexOf(stop);
    expect(full.text.startsWith(cut.text)).toBe(true);
    // Everything before the stop string, but for bytes of a character the stop cut short.
    expect(full.text.slice(cut.text.length, at)).toMatch(/^\uFFFD*$/);
  });
});
