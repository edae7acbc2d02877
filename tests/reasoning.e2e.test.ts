// Reasoning on the real fleet, through the official openai client: a node serves a demo model
// whose vocabulary has <think> tokens with reasoning on (`proxima node --reasoning`), another node
// serves the same weights under another name with reasoning off, so the raw text the model wrote
// for a seed can be set beside what the reasoning node made of it.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitThink } from '@proxima/core/protocol';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../local-node/src/model/demo-gguf.ts';
import { demoVocabulary } from '../local-node/src/model/demo-vocab.ts';
import { collectChatStream } from './chat-stream.ts';
import { openaiClient, startTestFleet, type TestFleet } from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const THINKER = 'thinker';
const RAW = 'thinker-raw';
const THINK = ['<think>', '</think>'];
const [OPEN, CLOSE] = THINK.map((tag) => demoVocabulary(THINK).tokens.indexOf(tag)) as [
  number,
  number,
];
const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Think, then say.' },
];
// The tags' output rows are zero: a bias makes the model write them now and then.
const logit_bias = { [OPEN]: 9, [CLOSE]: 9 };

let dir = '';
let t: TestFleet | undefined;
let client: OpenAI;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-reasoning-'));
  const thinker = await writeDemoModel(join(dir, `${THINKER}.gguf`), {
    seed: 1,
    extraTokens: THINK,
  });
  await copyFile(thinker.path, join(dir, `${RAW}.gguf`));
  t = await startTestFleet(0);
  // One after the other: starting a node writes its token to the fleet's secrets file.
  const thinking = await t.fleet.startNode('thinker-node', {
    modelPath: thinker.path,
    reasoning: true,
  });
  const raw = await t.fleet.startNode('raw-node', { modelPath: join(dir, `${RAW}.gguf`) });
  await Promise.all([thinking.connected, raw.connected]);
  client = openaiClient(t);
});

afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

type Message = OpenAI.ChatCompletionMessage & { reasoning_content?: string };

/** One answer's text and reasoning, not streamed. */
async function answer(params: Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'messages'>) {
  const res = await client.chat.completions.create({ messages, ...params });
  const message = res.choices[0]!.message as Message;
  return { content: message.content ?? '', reasoning: message.reasoning_content, res };
}

describe('reasoning_content on a model that reasons in <think> sections', () => {
  it('announces reasoning for the node run with --reasoning, and only there', async () => {
    type Listed = OpenAI.Model & { proxima?: { capabilities: string[] } };
    const thinker = (await client.models.retrieve(THINKER)) as Listed;
    const raw = (await client.models.retrieve(RAW)) as Listed;
    expect(thinker.proxima?.capabilities).toContain('reasoning');
    expect(raw.proxima?.capabilities).not.toContain('reasoning');
    const err = await badRequest(
      client.chat.completions.create({ model: RAW, messages, reasoning_effort: 'low' }),
    );
    expect(err.param).toBe('reasoning_effort');
  });

  it('comes apart from content, streamed and not, and joins to what the model wrote', async () => {
    let both = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const params = { max_tokens: 48, seed, logit_bias };
      const split = await answer({ ...params, model: THINKER, reasoning_effort: 'high' });
      const raw = await answer({ ...params, model: RAW });
      expect(raw.reasoning).toBeUndefined();
      // What the model wrote, split at its tags: reasoning inside, content outside.
      const expected = splitThink(raw.content);
      expect(split.content).toBe(expected.text);
      expect(split.reasoning ?? '').toBe(expected.reasoning);
      expect(split.content).not.toContain('<think>');

      const streamed = await collectChatStream(
        await client.chat.completions.create({
          ...params,
          messages,
          model: THINKER,
          reasoning_effort: 'high',
          stream: true,
        }),
      );
      expect(streamed.content).toBe(split.content);
      expect(streamed.reasoning).toBe(split.reasoning ?? '');
      if (expected.reasoning !== '' && expected.text !== '') both++;
    }
    expect(both).toBeGreaterThan(0); // some answer had a section and text beside it
  });

  it("reasoning_effort 'none': no reasoning, the section is skipped in the prompt", async () => {
    for (const seed of [1, 2]) {
      const params = { model: THINKER, max_tokens: 24, seed };
      const none = await answer({ ...params, reasoning_effort: 'none' });
      const high = await answer({ ...params, reasoning_effort: 'high' });
      expect(none.reasoning).toBeUndefined();
      expect(none.content).not.toBe('');
      // The prefilled empty section: two tag tokens and the blank lines around them.
      expect(none.res.usage?.prompt_tokens).toBeGreaterThan(
        (high.res.usage?.prompt_tokens ?? Infinity) + 2,
      );
      const streamed = await collectChatStream(
        await client.chat.completions.create({
          ...params,
          messages,
          reasoning_effort: 'none',
          stream: true,
        }),
      );
      expect(streamed.reasoning).toBe('');
      expect(streamed.content).toBe(none.content);
    }
  });
});
