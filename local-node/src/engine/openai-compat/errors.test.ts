import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ContextOverflowError, InvalidRequestError } from '../engine.ts';
import { embedResultOf } from './embed-result.ts';
import { engineErrorOf, overflowSizes } from './errors.ts';

const URL = 'http://127.0.0.1:1234/v1';
const live = new AbortController().signal;
/** The error the client raises for an HTTP answer of `status` with this JSON body. */
const answered = (status: number, body: object) =>
  APIError.generate(status, body, undefined, new Headers());

describe('engineErrorOf', () => {
  it('turns a context overflow into ContextOverflowError, sizes read where given', () => {
    const openai = engineErrorOf(
      answered(400, {
        error: {
          message:
            "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      }),
      URL,
      live,
    );
    expect(openai).toBeInstanceOf(ContextOverflowError);
    expect(openai).toMatchObject({ promptTokens: 5000, contextSize: 4096 });
    const llamaServer = engineErrorOf(
      answered(400, {
        error: {
          code: 400,
          message: 'the request exceeds the available context size, try increasing it',
          type: 'exceed_context_size_error',
          n_prompt_tokens: 9000,
          n_ctx: 8192,
        },
      }),
      URL,
      live,
    );
    expect(llamaServer).toMatchObject({ promptTokens: 9000, contextSize: 8192 });
    const unsized = engineErrorOf(
      answered(400, { error: { message: 'too long', code: 'context_length_exceeded' } }),
      URL,
      live,
    );
    expect(unsized).toBeInstanceOf(ContextOverflowError);
    expect(unsized).toMatchObject({ promptTokens: 0, contextSize: 0, message: 'too long' });
  });

  it('turns another 400 naming a parameter into InvalidRequestError', () => {
    const err = engineErrorOf(
      answered(400, {
        error: { message: "Invalid 'logit_bias': token 99999", param: 'logit_bias', code: null },
      }),
      URL,
      live,
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err).toMatchObject({
      param: 'logit_bias',
      message: "Invalid 'logit_bias': token 99999",
    });
    // Without a parameter it is the server's failure to report, not the caller's.
    const plain = engineErrorOf(answered(400, { error: { message: 'nope' } }), URL, live);
    expect(plain).not.toBeInstanceOf(InvalidRequestError);
    expect(plain.message).toBe(
      `openai-compatible engine: the server at ${URL} answered HTTP 400: nope`,
    );
  });

  it('says a refused key is refused, and names the URL it cannot reach', () => {
    for (const status of [401, 403])
      expect(engineErrorOf(answered(status, { error: 'bad key' }), URL, live).message).toBe(
        `openai-compatible engine: the server at ${URL} refused the API key (HTTP ${status}): bad key`,
      );
    const refused = new APIConnectionError({
      cause: new Error('connect ECONNREFUSED 127.0.0.1:1234'),
    });
    expect(engineErrorOf(refused, URL, live).message).toBe(
      `openai-compatible engine: cannot reach the server at ${URL}: connect ECONNREFUSED 127.0.0.1:1234`,
    );
  });

  it('is an AbortError once the signal fired, whatever the client threw', () => {
    const controller = new AbortController();
    controller.abort(new Error('caller left'));
    for (const thrown of [new APIUserAbortError(), new Error('socket hang up')])
      expect(engineErrorOf(thrown, URL, controller.signal)).toMatchObject({ name: 'AbortError' });
  });
});

describe('overflowSizes', () => {
  it('reads vLLM’s and Proxima’s wordings, and nothing from other text', () => {
    expect(
      overflowSizes(
        undefined,
        "This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (2000 in the messages, 100 in the completion).",
      ),
    ).toEqual({ promptTokens: 2100, contextSize: 2048 });
    expect(
      overflowSizes(
        undefined,
        "The prompt is 3000 tokens and the context window of 'proxima-demo' is 2048 tokens; shorten the prompt.",
      ),
    ).toEqual({ promptTokens: 3000, contextSize: 2048 });
    expect(overflowSizes(undefined, 'prompt is 12 tokens; the context holds 8')).toEqual({
      promptTokens: 12,
      contextSize: 8,
    });
    expect(overflowSizes({ n_ctx: 5 }, 'too long')).toBeUndefined();
  });
});

describe('embedResultOf', () => {
  it('orders vectors by index and checks their shape', () => {
    const result = embedResultOf(
      {
        data: [
          { index: 1, embedding: [0.5, -1] },
          { index: 0, embedding: [0.25, 2] },
        ],
        usage: { prompt_tokens: 6 },
      },
      2,
    );
    expect(result.vectors.map((v) => [...v])).toEqual([
      [0.25, 2],
      [0.5, -1],
    ]);
    expect(result.promptTokens).toBe(6);
    expect(() => embedResultOf({ data: [{ index: 0, embedding: [1] }] }, 2)).toThrow(
      /1 vectors for 2 inputs/,
    );
    expect(() =>
      embedResultOf(
        {
          data: [
            { index: 0, embedding: [1] },
            { index: 0, embedding: [1] },
          ],
        },
        2,
      ),
    ).toThrow(/repeated index 0/);
    expect(() =>
      embedResultOf(
        {
          data: [
            { index: 0, embedding: [1] },
            { index: 1, embedding: [1, 2] },
          ],
        },
        2,
      ),
    ).toThrow(/different lengths/);
    expect(() => embedResultOf({ data: [{ index: 0, embedding: 'AAAA' }] }, 1)).toThrow(
      /not a list of numbers/,
    );
  });
});
