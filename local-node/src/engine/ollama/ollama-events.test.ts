import { describe, expect, it } from 'vitest';
import type { GenerateEvent } from '../engine.ts';
import { logprobEntryOf, OllamaStreamReader, type OllamaChunk } from './ollama-events.ts';
import type { ForcedTools } from './ollama-tool-choice.ts';

const TOOLS = [
  { name: 'get_time', description: '', parameters: { type: 'object' } },
  { name: 'get_weather', description: '', parameters: { type: 'object' } },
];

function ids(): () => string {
  let n = 0;
  return () => `call_${++n}`;
}

function readAll(reader: OllamaStreamReader, chunks: readonly OllamaChunk[]): GenerateEvent[] {
  return chunks.flatMap((c) => reader.push(c));
}

const line = (content: string, over: Partial<OllamaChunk> = {}): OllamaChunk => ({
  message: { content },
  done: false,
  ...over,
});
const done = (reason: string, over: Partial<OllamaChunk> = {}): OllamaChunk => ({
  message: { content: '' },
  done: true,
  done_reason: reason,
  prompt_eval_count: 26,
  eval_count: 3,
  ...over,
});

describe('OllamaStreamReader', () => {
  it('streams text and thinking, then done with the usage and the reason', () => {
    const reader = new OllamaStreamReader({ newCallId: ids() });
    const events = readAll(reader, [
      line('', { message: { content: '', thinking: 'Hmm.' } }),
      line('Hel'),
      line(''),
      line('lo'),
      done('length'),
      line('ignored after done'),
    ]);
    expect(events).toEqual([
      { type: 'delta', text: '', reasoning: 'Hmm.' },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'done', finishReason: 'length', usage: { promptTokens: 26, completionTokens: 3 } },
    ]);
    expect(reader.finished).toBe(true);
  });

  it('reads /api/generate lines (response, thinking) and text on the done line', () => {
    const reader = new OllamaStreamReader({ newCallId: ids() });
    const events = readAll(reader, [
      { response: 'a', thinking: 'b', done: false },
      { response: 'c', done: true, done_reason: 'stop', eval_count: 2 },
    ]);
    expect(events).toEqual([
      { type: 'delta', text: 'a', reasoning: 'b' },
      { type: 'delta', text: 'c' },
      { type: 'done', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 2 } },
    ]);
  });

  it("gives tool calls ids and running indexes, and ends 'tool_calls'", () => {
    const reader = new OllamaStreamReader({ newCallId: ids() });
    const events = readAll(reader, [
      line('', {
        message: {
          content: '',
          tool_calls: [
            { function: { name: 'get_time', arguments: { zone: 'UTC' } } },
            { function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
      }),
      line('', { message: { content: '', tool_calls: [{ function: { name: 'get_time' } }] } }),
      done('stop'),
    ]);
    expect(events.slice(0, 2)).toEqual([
      {
        type: 'delta',
        text: '',
        toolCalls: [
          { index: 0, id: 'call_1', name: 'get_time', arguments: '{"zone":"UTC"}' },
          { index: 1, id: 'call_2', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        ],
      },
      {
        type: 'delta',
        text: '',
        toolCalls: [{ index: 2, id: 'call_3', name: 'get_time', arguments: '{}' }],
      },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
  });

  it('passes on only the first call without parallel calls', () => {
    const reader = new OllamaStreamReader({ newCallId: ids(), parallelToolCalls: false });
    const calls = [
      { function: { name: 'get_time', arguments: {} } },
      { function: { name: 'get_weather', arguments: {} } },
    ];
    const events = readAll(reader, [
      line('', { message: { content: '', tool_calls: calls } }),
      line('', { message: { content: '', tool_calls: calls } }),
      done('stop'),
    ]);
    const passed = events.flatMap((e) => (e.type === 'delta' ? (e.toolCalls ?? []) : []));
    expect(passed.map((c) => c.name)).toEqual(['get_time']);
  });

  it('turns log probabilities into entries, bytes from the token when absent, best first', () => {
    expect(
      logprobEntryOf({
        token: 'é',
        logprob: -0.5,
        top_logprobs: [
          { token: 'a', logprob: -2, bytes: [97] },
          { token: 'é', logprob: -0.5 },
        ],
      }),
    ).toEqual({
      token: 'é',
      logprob: -0.5,
      bytes: [0xc3, 0xa9],
      top: [
        { token: 'é', logprob: -0.5, bytes: [0xc3, 0xa9] },
        { token: 'a', logprob: -2, bytes: [97] },
      ],
    });
    const reader = new OllamaStreamReader({ newCallId: ids() });
    const [first] = reader.push(
      line('x', { logprobs: [{ token: 'x', logprob: -1, bytes: [120] }] }),
    );
    expect(first).toEqual({
      type: 'delta',
      text: 'x',
      logprobs: [{ token: 'x', logprob: -1, bytes: [120], top: [] }],
    });
  });

  describe('with a forced tool choice', () => {
    const forced: ForcedTools = { tools: TOOLS, choice: 'required', parallel: true };

    it('holds the JSON back and reads it as calls at the end', () => {
      const reader = new OllamaStreamReader({ newCallId: ids(), forced });
      const events = readAll(reader, [
        line('[{"name":"get_time",', { logprobs: [{ token: '[', logprob: -1 }] }),
        line('"arguments":{"zone":"CET"}},{"name":"get_weather","arguments":{}}]'),
        done('stop'),
      ]);
      expect(events).toEqual([
        {
          type: 'delta',
          text: '',
          toolCalls: [
            { index: 0, id: 'call_1', name: 'get_time', arguments: '{"zone":"CET"}' },
            { index: 1, id: 'call_2', name: 'get_weather', arguments: '{}' },
          ],
        },
        {
          type: 'done',
          finishReason: 'tool_calls',
          usage: { promptTokens: 26, completionTokens: 3 },
        },
      ]);
    });

    it('takes calls the server parsed itself, and passes thinking on', () => {
      const reader = new OllamaStreamReader({ newCallId: ids(), forced });
      const events = readAll(reader, [
        line('', { message: { content: '', thinking: 'Use the clock.' } }),
        line('', {
          message: {
            content: '',
            tool_calls: [{ function: { name: 'get_time', arguments: { zone: 'UTC' } } }],
          },
        }),
        done('stop'),
      ]);
      expect(events).toEqual([
        { type: 'delta', text: '', reasoning: 'Use the clock.' },
        {
          type: 'delta',
          text: '',
          toolCalls: [{ index: 0, id: 'call_1', name: 'get_time', arguments: '{"zone":"UTC"}' }],
        },
        expect.objectContaining({ type: 'done', finishReason: 'tool_calls' }),
      ]);
    });

    it("ends 'length' without calls when cut, and refuses calls it did not allow", () => {
      const cut = new OllamaStreamReader({ newCallId: ids(), forced });
      expect(readAll(cut, [line('[{"name":"get_'), done('length')])).toEqual([
        { type: 'done', finishReason: 'length', usage: { promptTokens: 26, completionTokens: 3 } },
      ]);
      const named = new OllamaStreamReader({
        newCallId: ids(),
        forced: { tools: TOOLS, choice: { name: 'get_time' }, parallel: true },
      });
      expect(() =>
        readAll(named, [line('[{"name":"get_weather","arguments":{}}]'), done('stop')]),
      ).toThrow(/not an allowed tool/);
      const broken = new OllamaStreamReader({ newCallId: ids(), forced });
      expect(() => readAll(broken, [line('[{"name"'), done('stop')])).toThrow(/not JSON/);
    });

    it('keeps one call without parallel calls', () => {
      const reader = new OllamaStreamReader({
        newCallId: ids(),
        forced: { ...forced, parallel: false },
      });
      const events = readAll(reader, [
        line('[{"name":"get_time","arguments":{}},{"name":"get_time","arguments":{}}]'),
        done('stop'),
      ]);
      expect(events[0]).toMatchObject({ toolCalls: [{ index: 0, name: 'get_time' }] });
      expect(events[0]?.type === 'delta' && events[0].toolCalls).toHaveLength(1);
    });
  });
});
