import { nodeContextOverflowMessage } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import { ollamaFailure, overflowSizes } from './ollama-errors.ts';

const live = new AbortController().signal;
const ctx = { host: 'http://box:11434', signal: live, model: 'qwen3:8b', contextSize: 4096 };

/** The client's ResponseError: a message and the HTTP status. */
function responseError(message: string, status: number): Error {
  return Object.assign(new Error(message), { name: 'ResponseError', status_code: status });
}

describe('ollamaFailure', () => {
  it("reads Ollama's and llama-server's context overflow words", () => {
    for (const message of [
      'the input length exceeds the context length',
      'input exceeds maximum context length and cannot be truncated further',
      'the prompt is longer than the context length currently available to the model; shorten the prompt',
    ]) {
      expect(ollamaFailure(responseError(message, 400), ctx)).toMatchObject({
        name: 'ContextOverflowError',
        promptTokens: 4096,
        contextSize: 4096,
      });
    }
    expect(
      ollamaFailure(
        new Error('request (5000 tokens) exceeds the available context size (4096 tokens)'),
        ctx,
      ),
    ).toMatchObject({ name: 'ContextOverflowError', promptTokens: 5000, contextSize: 4096 });
    // A Proxima node's 400.
    expect(
      ollamaFailure(
        responseError(
          "The prompt is 2213 tokens and the context window of 'proxima-demo' is 2048 tokens; shorten the prompt.",
          400,
        ),
        ctx,
      ),
    ).toMatchObject({ promptTokens: 2213, contextSize: 2048 });
    expect(overflowSizes(nodeContextOverflowMessage(9, 8))).toEqual({
      promptTokens: 9,
      contextSize: 8,
    });
  });

  it('names the field of a capability the server refuses', () => {
    expect(
      ollamaFailure(responseError('"gemma3:1b" does not support tools', 400), ctx),
    ).toMatchObject({ name: 'InvalidRequestError', param: 'tools' });
    expect(
      ollamaFailure(responseError('"llama3.2" does not support thinking', 400), ctx),
    ).toMatchObject({ name: 'InvalidRequestError', param: 'reasoning_effort' });
    expect(
      ollamaFailure(
        responseError(
          "'format' is not supported: structured output and tool calls cannot be combined",
          400,
        ),
        ctx,
      ),
    ).toMatchObject({ name: 'InvalidRequestError', param: 'format' });
  });

  it('names the host and the model when the server lacks it', () => {
    const err = ollamaFailure(
      responseError('model "qwen3:8b" not found, try pulling it first', 404),
      ctx,
    );
    expect(err.message).toBe(
      `ollama engine: the Ollama server at http://box:11434 has no model 'qwen3:8b' (it says: model "qwen3:8b" not found, try pulling it first)`,
    );
  });

  it('names the host it cannot reach, with the reason', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:11434'), {
        code: 'ECONNREFUSED',
      }),
    });
    expect(ollamaFailure(refused, ctx).message).toBe(
      'ollama engine: cannot reach the Ollama server at http://box:11434 (ECONNREFUSED)',
    );
  });

  it('is an AbortError once the request was aborted, whatever the client threw', () => {
    const controller = new AbortController();
    controller.abort();
    const err = ollamaFailure(new Error('This operation was aborted'), {
      ...ctx,
      signal: controller.signal,
    });
    expect(err.name).toBe('AbortError');
  });

  it('passes anything else on, naming the host', () => {
    expect(ollamaFailure(responseError('boom', 500), ctx).message).toBe(
      'ollama engine: the Ollama server at http://box:11434 failed: boom',
    );
    expect(ollamaFailure('weird', ctx).message).toBe('ollama engine: weird');
  });
});
