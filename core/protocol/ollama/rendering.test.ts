import { describe, expect, it } from 'vitest';
import { answerOf, errorOf } from './testing.ts';
import { parseOllamaChat } from './chat-request.ts';
import { resolveOllamaAnswer } from './common.ts';
import { parseOllamaShow } from './models.ts';
import { ollamaRendering, type OllamaClock } from './rendering.ts';
import { ollamaRouteError } from './routes.ts';

/** A clock that advances 10 ms per reading. */
function steppingClock(startMs: number): OllamaClock {
  let now = startMs;
  return {
    now: () => (now += 10),
    isoNow: () => `t${now}`,
  };
}

const usage = { promptTokens: 4, completionTokens: 2 };

describe('ollamaRendering', () => {
  it('streams delta lines, then a done line with durations in ns from the injected clock', () => {
    const r = ollamaRendering({
      dialect: 'chat',
      model: 'm',
      startMs: 1000,
      logprobs: false,
      clock: steppingClock(1000),
    });
    const frames = r.frames();
    expect(frames.start({ proxima: { x: 1 } })).toBe('');
    const text = frames.chunk({ text: 'hi' }) + frames.chunk({ text: '' });
    const done = JSON.parse(frames.done('tool_calls', usage)) as Record<string, unknown>;
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      {
        model: 'm',
        created_at: 't1010',
        message: { role: 'assistant', content: 'hi' },
        done: false,
      },
    ]);
    // The first output read the clock at 1010; the done line reads it again: 1020.
    expect(done).toMatchObject({
      done: true,
      done_reason: 'stop',
      total_duration: 20_000_000,
      prompt_eval_duration: 10_000_000,
      eval_count: 2,
      proxima: { x: 1 },
    });
    expect(JSON.parse(frames.error('engine_failed'))).toEqual({
      error: 'The node failed while generating the answer.',
    });
  });

  it('answers /api/generate whole in response', () => {
    const r = ollamaRendering({
      dialect: 'generate',
      model: 'm',
      startMs: 0,
      logprobs: false,
      clock: steppingClock(0),
    });
    const answer = { text: 'ok', reasoning: 'hm', toolCalls: [], logprobs: null };
    expect(r.whole(answer, 'length', usage, undefined)).toMatchObject({
      response: 'ok',
      thinking: 'hm',
      done_reason: 'length',
    });
  });
});

describe('resolveOllamaAnswer', () => {
  const messages = [{ role: 'user', content: 'hi' }];

  it("checks num_ctx against the model's context, and turns thinking off where it reasons", () => {
    const t = answerOf(
      parseOllamaChat({ model: 'm', messages, think: false, options: { num_ctx: 4096 } }),
    );
    expect(resolveOllamaAnswer(t, undefined)).toBe(t);
    expect(
      errorOf(() => resolveOllamaAnswer(t, { contextLength: 2048, capabilities: [] })),
    ).toMatchObject({
      param: 'options.num_ctx',
    });
    const fits = { contextLength: 8192, capabilities: ['reasoning'] as const };
    expect(resolveOllamaAnswer(t, fits).request.reasoningEffort).toBe('none');
    expect(
      resolveOllamaAnswer(t, { ...fits, capabilities: [] }).request.reasoningEffort,
    ).toBeNull();
  });
});

describe('parseOllamaShow', () => {
  it('takes model, or name from older clients, and names a missing one', () => {
    expect(parseOllamaShow({ model: 'a' })).toBe('a');
    expect(parseOllamaShow({ name: 'b', verbose: true })).toBe('b');
    expect(errorOf(() => parseOllamaShow({}))).toMatchObject({ param: 'model' });
  });
});

describe('ollamaRouteError', () => {
  it('lists the routes served for an unknown one, and allows the right method for a known one', () => {
    const missing = ollamaRouteError('POST', '/api/pull', 'this node', 'its operator manages them');
    expect(missing.status).toBe(404);
    expect(missing.message).toBe(
      "No route for 'POST' '/api/pull': this node serves /api/chat, /api/generate, /api/embed, " +
        '/api/tags, /api/ps, /api/show and /api/version; its operator manages them.',
    );
    const wrong = ollamaRouteError('GET', '/api/chat', 'this edge', 'nodes do');
    expect(wrong.status).toBe(405);
    expect(wrong.headers).toEqual({ allow: 'POST' });
    expect(ollamaRouteError('GET', '/api/__proto__', 'x', 'y').status).toBe(404);
  });
});
