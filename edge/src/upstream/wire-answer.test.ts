import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../node-session/job-events.ts';
import { UpstreamSseEvents } from './sse-events.ts';
import { chunkPartsOf, wholeAnswerOf } from './wire-answer.ts';

const logprobs = {
  content: [
    {
      token: 'Hi',
      logprob: -0.25,
      bytes: [72, 105],
      top_logprobs: [
        { token: 'Hi', logprob: -0.25, bytes: [72, 105] },
        { token: 'é', logprob: -2, bytes: null },
      ],
    },
  ],
  refusal: null,
};

const whole = (message: object, extra: object = {}) => ({
  id: 'theirs',
  choices: [{ index: 0, message, finish_reason: 'stop', ...extra }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

describe('wholeAnswerOf', () => {
  it('reads text, reasoning under either name, tool calls and logprobs', () => {
    const read = wholeAnswerOf(
      whole(
        {
          role: 'assistant',
          content: null,
          reasoning: 'think',
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
            { type: 'function', function: { name: 'g', arguments: { b: 2 } } },
          ],
        },
        { finish_reason: 'tool_calls', logprobs },
      ),
      true,
    );
    expect(read.ok && read.value).toEqual({
      answer: {
        text: '',
        reasoning: 'think',
        toolCalls: [
          { id: 'c1', name: 'f', arguments: '{"a":1}' },
          {
            id: expect.stringMatching(/^call_[0-9a-f]{32}$/) as string,
            name: 'g',
            arguments: '{"b":2}',
          },
        ],
        logprobs: [
          {
            token: 'Hi',
            logprob: -0.25,
            bytes: [72, 105],
            top: [
              { token: 'Hi', logprob: -0.25, bytes: [72, 105] },
              { token: 'é', logprob: -2, bytes: [0xc3, 0xa9] },
            ],
          },
        ],
      },
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 2 },
    });
    const deepseek = wholeAnswerOf(whole({ content: 'x', reasoning_content: 'r' }), false);
    expect(deepseek.ok && deepseek.value.answer).toEqual({
      text: 'x',
      reasoning: 'r',
      toolCalls: [],
      logprobs: null,
    });
  });

  it('gives empty logprobs when asked for and not sent, none when not asked for', () => {
    const asked = wholeAnswerOf(whole({ content: 'x' }), true);
    expect(asked.ok && asked.value.answer.logprobs).toEqual([]);
    const unasked = wholeAnswerOf(whole({ content: 'x' }, { logprobs }), false);
    expect(unasked.ok && unasked.value.answer.logprobs).toBeNull();
  });

  it.each([
    [{}, /no choices/],
    [whole({ content: 5 }), /content is not text/],
    [whole({ content: null }), /no content, reasoning or tool calls/],
    [whole({ content: null, tool_calls: [{ function: { arguments: '{}' } }] }), /no name/],
    [whole({ content: null, tool_calls: {} }), /tool_calls is not a list/],
    [whole({ content: 'x' }, { logprobs: { content: [{ token: 'x' }] } }), /content\[0\]/],
  ])('calls a broken answer broken: %j', (body, problem) => {
    const read = wholeAnswerOf(body, true);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });
});

describe('the legacy completions shape', () => {
  const legacy = {
    tokens: ['Hi', ' é'],
    token_logprobs: [-0.5, -1],
    top_logprobs: [{ Hi: -0.5, Ho: -2, He: -1 }, null],
    text_offset: [0, 2],
  };

  it('reads text and its parallel logprob lists, alternatives best first', () => {
    const read = wholeAnswerOf(
      { choices: [{ text: 'Hi é', logprobs: legacy, finish_reason: 'length' }] },
      true,
    );
    expect(read.ok && read.value).toEqual({
      answer: {
        text: 'Hi é',
        reasoning: '',
        toolCalls: [],
        logprobs: [
          {
            token: 'Hi',
            logprob: -0.5,
            bytes: [72, 105],
            top: [
              { token: 'Hi', logprob: -0.5, bytes: [72, 105] },
              { token: 'He', logprob: -1, bytes: [72, 101] },
              { token: 'Ho', logprob: -2, bytes: [72, 111] },
            ],
          },
          { token: ' é', logprob: -1, bytes: [32, 0xc3, 0xa9], top: [] },
        ],
      },
      finishReason: 'length',
      usage: { promptTokens: 0, completionTokens: 0 },
    });
    const chunk = chunkPartsOf({ choices: [{ text: 'x', finish_reason: null }] });
    expect(chunk.ok && chunk.value.text).toBe('x');
  });

  it('calls malformed lists broken', () => {
    const bad = { ...legacy, token_logprobs: [-0.5, null] };
    const read = wholeAnswerOf({ choices: [{ text: 'x', logprobs: bad }] }, true);
    expect(read.ok || read.problem).toBe('logprobs.tokens[1] is malformed');
  });
});

describe('chunkPartsOf', () => {
  it('reads a delta and an error payload', () => {
    const parts = chunkPartsOf({
      choices: [
        {
          delta: {
            content: 'a',
            reasoning_content: 'r',
            tool_calls: [{ index: 1, id: 'c', function: { name: 'f', arguments: '{' } }],
          },
          logprobs,
          finish_reason: null,
        },
      ],
    });
    expect(parts.ok && parts.value).toMatchObject({
      text: 'a',
      reasoning: 'r',
      fragments: [{ index: 1, id: 'c', name: 'f', arguments: '{' }],
      finish: null,
      usage: null,
    });
    expect(chunkPartsOf({ error: { message: 'secret' } })).toEqual({
      ok: false,
      problem: 'the upstream sent an error event',
    });
    expect(chunkPartsOf({ choices: [{ delta: { tool_calls: [{ index: -1 }] } }] }).ok).toBe(false);
  });
});

/** A body that arrives in pieces of `size` bytes, as a network would cut it. */
function bodyOf(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const sse = (chunks: readonly object[], done = true) =>
  chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
const delta = (d: object, finish: string | null = null, extra: object = {}) => ({
  choices: [{ index: 0, delta: d, finish_reason: finish, ...extra }],
});

async function eventsOf(text: string, size: number, wantLogprobs = false) {
  let released = 0;
  const source = new UpstreamSseEvents(bodyOf(text, size), wantLogprobs, () => released++);
  const events: Array<JobEvent | null> = [];
  for (;;) {
    const event = await source.next();
    events.push(event);
    if (event === null || event.t !== 'chunk') break;
  }
  return { events, released, after: await source.next() };
}

describe('UpstreamSseEvents', () => {
  const fragments = [
    delta({ role: 'assistant', content: '' }),
    delta({ reasoning_content: 'hmm' }),
    delta({
      tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }],
    }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '{"x"' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
    delta({
      tool_calls: [
        { index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
      ],
    }),
    delta({}, 'tool_calls'),
    { choices: [], usage: { prompt_tokens: 4, completion_tokens: 9 } },
  ];

  it('streams whole tool calls, each once it is complete, however the bytes are cut', async () => {
    for (const size of [1, 7, 64, 100_000]) {
      const { events, released, after } = await eventsOf(sse(fragments), size);
      expect(events).toEqual([
        { t: 'chunk', text: '', reasoning: 'hmm' },
        {
          t: 'chunk',
          text: '',
          toolCalls: [{ index: 0, id: 'a', name: 'f', arguments: '{"x":1}' }],
        },
        { t: 'chunk', text: '', toolCalls: [{ index: 1, id: 'b', name: 'g', arguments: '{}' }] },
        { t: 'done', finishReason: 'tool_calls', usage: { promptTokens: 4, completionTokens: 9 } },
      ]);
      expect(released).toBe(1);
      expect(after).toBeNull();
    }
  });

  it('sends calls still open at [DONE] before the done event, as tool_calls', async () => {
    const { events, released } = await eventsOf(sse(fragments.slice(0, 4)), 16);
    expect(events.slice(-2)).toEqual([
      { t: 'chunk', text: '', toolCalls: [{ index: 0, id: 'a', name: 'f', arguments: '{"x"' }] },
      { t: 'done', finishReason: 'tool_calls', usage: { promptTokens: 0, completionTokens: 0 } },
    ]);
    expect(released).toBe(1);
  });

  it('carries logprobs only when asked for', async () => {
    const text = sse([delta({ content: 'Hi' }, null, { logprobs }), delta({}, 'stop')]);
    const asked = await eventsOf(text, 9, true);
    expect(asked.events[0]).toMatchObject({ t: 'chunk', text: 'Hi', logprobs: [{ token: 'Hi' }] });
    const unasked = await eventsOf(text, 9, false);
    expect(unasked.events[0]).toEqual({ t: 'chunk', text: 'Hi' });
  });

  it('fails a stream whose calls are broken or which ends without finishing', async () => {
    const broken = await eventsOf(
      sse([
        delta({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
        delta({}, 'stop'),
      ]),
      5,
    );
    expect(broken.events.at(-1)).toEqual({
      t: 'error',
      code: 'upstream_failed',
      message: 'tool call 0 has no name',
    });
    expect(broken.released).toBe(1);
    const cut = await eventsOf(sse([delta({ content: 'a' })], false), 5);
    expect(cut.events.at(-1)).toBeNull();
    expect(cut.released).toBe(1);
  });
});
