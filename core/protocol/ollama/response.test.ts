import { describe, expect, it } from 'vitest';
import type { Answer } from '../openai/answer.ts';
import {
  ndjsonLine,
  ollamaAnswerBody,
  ollamaDeltaLine,
  ollamaDoneLine,
  ollamaErrorBody,
  ollamaLoadBody,
  ollamaMetrics,
} from './response.ts';
import { errorOf } from './testing.ts';

const chat = { dialect: 'chat', model: 'm', createdAt: '2026-01-01T00:00:00.000Z' } as const;
const generate = { ...chat, dialect: 'generate' } as const;
const usage = { promptTokens: 12, completionTokens: 5 };
const times = { startMs: 1000, firstOutputMs: 1040, endMs: 1250 };
const answer: Answer = { text: 'Hello', reasoning: '', toolCalls: [], logprobs: null };

describe('Ollama response shapes', () => {
  it('reports durations in nanoseconds and token counts from usage', () => {
    expect(ollamaMetrics(usage, times)).toEqual({
      total_duration: 250_000_000,
      load_duration: 0,
      prompt_eval_count: 12,
      prompt_eval_duration: 40_000_000,
      eval_count: 5,
      eval_duration: 210_000_000,
    });
    // Without a first-output time (a whole answer), the whole time is generation.
    expect(ollamaMetrics(usage, { ...times, firstOutputMs: null }).eval_duration).toBe(250_000_000);
  });

  it('answers /api/chat whole in message, /api/generate in response', () => {
    expect(ollamaAnswerBody(chat, answer, 'stop', usage, times)).toEqual({
      model: 'm',
      created_at: chat.createdAt,
      message: { role: 'assistant', content: 'Hello' },
      done: true,
      done_reason: 'stop',
      ...ollamaMetrics(usage, times),
    });
    const body = ollamaAnswerBody(
      generate,
      { ...answer, reasoning: 'think' },
      'length',
      usage,
      times,
    );
    expect(body).toMatchObject({ response: 'Hello', thinking: 'think', done_reason: 'length' });
    expect(body).not.toHaveProperty('message');
  });

  it('puts reasoning in thinking and tool calls with object arguments; tool_calls end as stop', () => {
    const body = ollamaAnswerBody(
      chat,
      {
        text: '',
        reasoning: 'look it up',
        toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
        logprobs: null,
      },
      'tool_calls',
      usage,
      times,
    );
    expect(body.message).toEqual({
      role: 'assistant',
      content: '',
      thinking: 'look it up',
      tool_calls: [
        { id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } },
      ],
    });
    expect(body.done_reason).toBe('stop');
  });

  it('refuses to pass on tool-call arguments that are not a JSON object', () => {
    const bad = { ...answer, toolCalls: [{ id: 'c', name: 'f', arguments: '[1]' }] };
    expect(errorOf(() => ollamaAnswerBody(chat, bad, 'tool_calls', usage, times)).code).toBe(
      'node_failed',
    );
  });

  it('carries log probabilities in Ollama shape', () => {
    const logprobs = [
      {
        token: 'Hi',
        logprob: -0.1,
        bytes: [72, 105],
        top: [{ token: 'Yo', logprob: -2, bytes: [89, 111] }],
      },
    ];
    expect(ollamaAnswerBody(chat, { ...answer, logprobs }, 'stop', usage, times).logprobs).toEqual([
      {
        token: 'Hi',
        logprob: -0.1,
        bytes: [72, 105],
        top_logprobs: [{ token: 'Yo', logprob: -2, bytes: [89, 111] }],
      },
    ]);
  });

  it('streams done:false lines, skipping empty deltas, then a done:true line with metrics', () => {
    expect(ollamaDeltaLine(chat, { text: 'He' }, false)).toEqual({
      model: 'm',
      created_at: chat.createdAt,
      message: { role: 'assistant', content: 'He' },
      done: false,
    });
    expect(ollamaDeltaLine(generate, { text: '', reasoning: 'hm' }, false)).toMatchObject({
      response: '',
      thinking: 'hm',
      done: false,
    });
    expect(ollamaDeltaLine(chat, { text: '' }, false)).toBeNull();
    expect(ollamaDeltaLine(chat, { text: 'a' }, true)).toHaveProperty('logprobs', []);
    const done = ollamaDoneLine(generate, 'stop', usage, times);
    expect(done).toEqual({
      model: 'm',
      created_at: chat.createdAt,
      response: '',
      done: true,
      done_reason: 'stop',
      ...ollamaMetrics(usage, times),
    });
  });

  it('answers a load request and errors in Ollama shape, as NDJSON lines', () => {
    expect(ollamaLoadBody(chat)).toEqual({
      model: 'm',
      created_at: chat.createdAt,
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'load',
    });
    expect(ndjsonLine(ollamaErrorBody('boom'))).toBe('{"error":"boom"}\n');
  });
});
