import { describe, expect, it } from 'vitest';
import {
  contextLengthError,
  jobFailureError,
  nodeContextMeasure,
  nodeContextOverflowMessage,
  nodeInvalidRequestMessage,
  nodeRefusedParam,
} from './job-errors.ts';

describe('contextLengthError', () => {
  it("states the model's context and the prompt's size as the edge measured it", () => {
    const err = contextLengthError('demo', 'prompt', {
      by: 'bytes',
      promptBytes: 5000,
      maxPromptBytes: 3072,
      contextSize: 512,
    });
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.param).toBe('prompt');
    expect(err.message).toBe(
      "The prompt is 5000 bytes and the context window of 'demo' is 512 tokens: no prompt over 3072 bytes fits it; shorten the prompt.",
    );
  });

  it('and as the node counted it', () => {
    const measure = nodeContextMeasure('prompt is 600 tokens; the context holds 512');
    expect(measure).toEqual({ by: 'tokens', promptTokens: 600, contextSize: 512 });
    expect(contextLengthError('m', 'messages', measure!).message).toBe(
      "The prompt is 600 tokens and the context window of 'm' is 512 tokens; shorten the prompt.",
    );
  });

  it('takes nothing from a node message of another shape', () => {
    for (const message of [
      'prompt is 600 tokens; the context holds 512 at /home/x',
      'prompt is many tokens; the context holds 512',
      'Prompt is 600 tokens',
      '',
    ])
      expect(nodeContextMeasure(message)).toBeNull();
  });
});

describe('jobFailureError', () => {
  it("answers a parameter the node's engine refused with a 400 that names logit_bias", () => {
    const err = jobFailureError('invalid_request');
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(/'logit_bias'/);
  });
});

describe('the node context-overflow message', () => {
  it('reads back the numbers it was written with', () => {
    expect(nodeContextMeasure(nodeContextOverflowMessage(2150, 2048))).toEqual({
      by: 'tokens',
      promptTokens: 2150,
      contextSize: 2048,
    });
  });
});

describe('a parameter a node refused', () => {
  it('is named in the client error, and only a known name is ever read back', () => {
    const sent = nodeInvalidRequestMessage('logit_bias', 'token id 9999 is not in the vocabulary');
    expect(nodeRefusedParam(sent)).toBe('logit_bias');
    const err = jobFailureError('invalid_request', sent);
    expect([err.status, err.code, err.param]).toEqual([400, 'invalid_request', 'logit_bias']);
    expect(err.message).not.toContain('9999');
    expect(nodeRefusedParam(nodeInvalidRequestMessage('api_key', 'x'))).toBeNull();
    expect(nodeRefusedParam("refused 'logit_bias' without the colon")).toBeNull();
    expect(jobFailureError('invalid_request').param).toBeNull();
    expect(jobFailureError('invalid_request', 'anything else').param).toBeNull();
  });
});
