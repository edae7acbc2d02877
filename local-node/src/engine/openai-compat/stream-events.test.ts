import { describe, expect, it } from 'vitest';
import type { GenerateEvent } from '../engine.ts';
import { generateEventsOf } from './stream-events.ts';

const madeId = (index: number) => `call_made${index}`;

async function eventsOf(chunks: readonly unknown[]): Promise<GenerateEvent[]> {
  const events: GenerateEvent[] = [];
  async function* source() {
    for (const chunk of chunks) yield await Promise.resolve(chunk);
  }
  for await (const ev of generateEventsOf(source(), madeId)) events.push(ev);
  return events;
}

/** A chat stream chunk as OpenAI sends it. */
const chunk = (delta: object, extra: object = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: null, ...extra }],
});
const usage = (prompt: number, completion: number) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  },
});

describe('generateEventsOf', () => {
  it('streams text and reasoning under either name, then done with the server’s usage', async () => {
    const events = await eventsOf([
      chunk({ role: 'assistant', content: '' }),
      chunk({ reasoning_content: 'Hm' }),
      chunk({ reasoning: ', so' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }, { finish_reason: 'length' }),
      usage(11, 4),
    ]);
    expect(events).toEqual([
      { type: 'delta', text: '', reasoning: 'Hm' },
      { type: 'delta', text: '', reasoning: ', so' },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'done', finishReason: 'length', usage: { promptTokens: 11, completionTokens: 4 } },
    ]);
  });

  it('assembles tool calls from fragments and hands each on whole', async () => {
    const events = await eventsOf([
      chunk({
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather' } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
      // A server that leaves out the id (the engine makes one) and sends arguments in one piece.
      chunk({ tool_calls: [{ index: 1, function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, { finish_reason: 'tool_calls' }),
      usage(30, 12),
    ]);
    expect(events).toEqual([
      {
        type: 'delta',
        text: '',
        toolCalls: [{ index: 0, id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      },
      {
        type: 'delta',
        text: '',
        toolCalls: [{ index: 1, id: 'call_made1', name: 'get_time', arguments: '{}' }],
      },
      {
        type: 'done',
        finishReason: 'tool_calls',
        usage: { promptTokens: 30, completionTokens: 12 },
      },
    ]);
  });

  it("ends a turn of calls with 'tool_calls' even when the server says 'stop'", async () => {
    const events = await eventsOf([
      chunk({ tool_calls: [{ index: 0, id: 'call_x', function: { name: 'f', arguments: '' } }] }),
      chunk({}, { finish_reason: 'stop' }),
    ]);
    expect(events.at(-2)).toEqual({
      type: 'delta',
      text: '',
      toolCalls: [{ index: 0, id: 'call_x', name: 'f', arguments: '{}' }],
    });
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
  });

  it('carries log probabilities, the chat and the legacy completions shapes', async () => {
    const chat = await eventsOf([
      chunk(
        { content: 'Hi' },
        {
          logprobs: {
            content: [
              {
                token: 'Hi',
                logprob: -0.5,
                bytes: [72, 105],
                top_logprobs: [
                  { token: 'Hi', logprob: -0.5, bytes: [72, 105] },
                  { token: 'é', logprob: -1.5, bytes: null },
                ],
              },
            ],
          },
        },
      ),
    ]);
    expect(chat[0]).toEqual({
      type: 'delta',
      text: 'Hi',
      logprobs: [
        {
          token: 'Hi',
          logprob: -0.5,
          bytes: [72, 105],
          top: [
            { token: 'Hi', logprob: -0.5, bytes: [72, 105] },
            { token: 'é', logprob: -1.5, bytes: [0xc3, 0xa9] },
          ],
        },
      ],
    });
    const legacy = await eventsOf([
      {
        object: 'text_completion',
        choices: [
          {
            index: 0,
            text: ' a',
            finish_reason: null,
            logprobs: { tokens: [' a'], token_logprobs: [-0.25], top_logprobs: [{ ' a': -0.25 }] },
          },
        ],
      },
      { object: 'text_completion', choices: [{ index: 0, text: '', finish_reason: 'length' }] },
    ]);
    expect(legacy[0]).toEqual({
      type: 'delta',
      text: ' a',
      logprobs: [
        {
          token: ' a',
          logprob: -0.25,
          bytes: [32, 97],
          top: [{ token: ' a', logprob: -0.25, bytes: [32, 97] }],
        },
      ],
    });
    expect(legacy.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
  });

  it('counts content chunks as tokens when the server sends no usage', async () => {
    const events = await eventsOf([
      chunk({ content: 'a' }),
      chunk({ content: '' }),
      chunk({ content: 'b' }),
      chunk({ reasoning_content: 'c' }),
      chunk({}, { finish_reason: 'stop' }),
    ]);
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 3 },
    });
  });

  it('fails on a malformed chunk, naming the problem', async () => {
    await expect(eventsOf([chunk({ content: 'a' }), 'nonsense'])).rejects.toThrow(
      /malformed stream: a chunk that is not an object/,
    );
    await expect(
      eventsOf([chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] })]),
    ).rejects.toThrow(/tool call 0 has no name/);
  });
});
