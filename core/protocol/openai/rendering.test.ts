import { describe, expect, it } from 'vitest';
import type { Answer } from './answer.ts';
import { parseChatRequest } from './chat-request.ts';
import { parseCompletionRequest } from './completion-request.ts';
import { chatRendering, SSE_HEADERS, textCompletionRendering } from './rendering.ts';

const who = { id: 'chatcmpl-1', created: 1700000000, model: 'm' };
const usage = { promptTokens: 3, completionTokens: 2 };
const answer: Answer = { text: 'hi there', reasoning: '', toolCalls: [], logprobs: null };
const messages = [{ role: 'user', content: 'hello' }];

/** The JSON of each `data:` event in SSE text, and `[DONE]` as itself. */
function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => e.replace(/^data: /, ''))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
}

describe('chatRendering', () => {
  it('renders a whole answer with its extension fields', () => {
    const r = chatRendering(who, parseChatRequest({ model: 'm', messages }));
    expect(r.streamHeaders).toBe(SSE_HEADERS);
    expect(r.whole(answer, 'stop', usage, { proxima: { rag: [] } })).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'hi there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      proxima: { rag: [] },
    });
  });

  it('streams the role chunk, deltas, the finish, usage when asked, then [DONE]', () => {
    const req = parseChatRequest({ model: 'm', messages, stream_options: { include_usage: true } });
    const frames = chatRendering(who, req).frames();
    const text =
      frames.start(undefined) + frames.chunk({ text: 'hi' }) + frames.done('length', usage);
    const all = events(text);
    expect(all).toHaveLength(5);
    expect(all[0]).toMatchObject({ choices: [{ delta: { role: 'assistant', content: '' } }] });
    expect(all[1]).toMatchObject({ choices: [{ delta: { content: 'hi' }, logprobs: null }] });
    expect(all[2]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'length' }] });
    expect(all[3]).toMatchObject({ choices: [], usage: { total_tokens: 5 } });
    expect(all[4]).toBe('[DONE]');
  });

  it('ends a failed stream with an error event in the classified words, not the cause', () => {
    const frames = chatRendering(who, parseChatRequest({ model: 'm', messages })).frames();
    expect(events(frames.error('engine_failed'))).toEqual([
      {
        error: {
          message: 'The node failed while generating the answer.',
          type: 'server_error',
          param: null,
          code: 'node_failed',
        },
      },
    ]);
  });
});

describe('textCompletionRendering', () => {
  it('streams the echoed prompt first, and writes legacy logprobs offsets after it', () => {
    const parsed = parseCompletionRequest({ model: 'm', prompt: 'Once', echo: true });
    const frames = textCompletionRendering({ ...who, id: 'cmpl-1' }, parsed).frames();
    expect(events(frames.start(undefined))).toMatchObject([
      { object: 'text_completion', choices: [{ text: 'Once', finish_reason: null }] },
    ]);
    const plain = parseCompletionRequest({ model: 'm', prompt: 'Once', logprobs: 1 });
    const r = textCompletionRendering({ ...who, id: 'cmpl-2' }, plain);
    // No echo and no extension fields: nothing before the first text.
    expect(r.frames().start(undefined)).toBe('');
    const entry = { token: ' up', logprob: -0.5, bytes: [32, 117, 112], top: [] };
    expect(
      r.whole({ ...answer, text: ' up', logprobs: [entry] }, 'tool_calls', usage, undefined),
    ).toMatchObject({
      choices: [
        {
          text: ' up',
          logprobs: { tokens: [' up'], text_offset: [0], top_logprobs: [{ ' up': -0.5 }] },
          finish_reason: 'stop',
        },
      ],
    });
  });
});
