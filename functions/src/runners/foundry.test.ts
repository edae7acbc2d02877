// How the runners talk to Foundry (credentials, failures), seen from a recording stand-in server
// that answers what each test sets: it is not Foundry, it shows what reaches the upstream.
import { BURST_LIMITS } from '@proxima/core/jobs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunners } from './create-runners.ts';
import type { FoundryOptions } from './foundry.ts';
import { job, never } from './jobs.testing.ts';
import {
  apiError,
  json,
  startRecordingUpstream,
  type RecordingUpstream,
} from './recording-upstream.testing.ts';
import type { JobRunner } from './runner.ts';

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.seen.length = 0;
});

const deployments = new Map([['burst-chat', 'chat-deployment']]);

function completion(content: string) {
  return {
    id: 'chatcmpl-stand-in',
    object: 'chat.completion',
    created: 1,
    model: 'chat-deployment-2024-11-20',
    choices: [
      { index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  };
}

const chatJob = () =>
  job('chat', { model: 'burst-chat', request: { messages: [{ role: 'user', content: 'Hi' }] } });

async function runOnce(credential: Pick<FoundryOptions, 'apiKey' | 'tokenProvider'>) {
  const runner: JobRunner = await createRunners({
    foundry: { baseURL: upstream.baseURL, deployments, ...credential },
    ocr: { ep: 'cpu' },
  });
  try {
    return { runner, result: await runner.run(chatJob(), never) };
  } finally {
    await runner.close();
  }
}

describe('Foundry credentials', () => {
  it('send an API key as a bearer token', async () => {
    upstream.answer = () => json(200, completion('hello'));
    const { result } = await runOnce({ apiKey: 'foundry-key-0123456789' });
    expect(result.ok).toBe(true);
    expect(upstream.seen.map((r) => r.headers.authorization)).toEqual([
      'Bearer foundry-key-0123456789',
    ]);
  });

  it('ask the token provider again for every request and send each token as it came', async () => {
    upstream.answer = () => json(200, completion('hello'));
    let asked = 0;
    const runner = await createRunners({
      foundry: {
        baseURL: upstream.baseURL,
        deployments,
        tokenProvider: () => Promise.resolve(`entra-token-${++asked}`),
      },
      ocr: { ep: 'cpu' },
    });
    for (let i = 0; i < 3; i++) expect((await runner.run(chatJob(), never)).ok).toBe(true);
    await runner.close();
    expect(asked).toBe(3);
    expect(upstream.seen.map((r) => r.headers.authorization)).toEqual([
      'Bearer entra-token-1',
      'Bearer entra-token-2',
      'Bearer entra-token-3',
    ]);
  });

  it('fail retryably, sending nothing, when no token can be had', async () => {
    const { result } = await runOnce({
      tokenProvider: () => Promise.reject(new Error('ManagedIdentityCredential: no endpoint')),
    });
    expect(result).toMatchObject({ ok: false, code: 'upstream_error', retryable: true });
    expect(!result.ok && result.message).toMatch(/Entra token.*ManagedIdentityCredential/);
    expect(upstream.seen).toHaveLength(0);
  });

  it('must be exactly one of an API key and a token provider', async () => {
    const provider = () => Promise.resolve('t');
    await expect(runOnce({})).rejects.toThrow(/exactly one/);
    await expect(runOnce({ apiKey: 'k', tokenProvider: provider })).rejects.toThrow(/exactly one/);
  });
});

describe("Foundry's failures", () => {
  it.each([
    [400, 'invalid_request', false],
    [404, 'model_not_found', false],
    [413, 'invalid_request', false],
    [422, 'invalid_request', false],
    [401, 'upstream_error', false],
    [403, 'upstream_error', false],
    [402, 'upstream_error', false],
    [408, 'upstream_timeout', true],
    [409, 'upstream_error', true],
    [429, 'upstream_error', true],
    [500, 'upstream_error', true],
    [503, 'upstream_error', true],
    [504, 'upstream_timeout', true],
  ])('%i is %s, retryable: %s', async (status, code, retryable) => {
    upstream.answer = () => apiError(status, `stand-in says ${status}`);
    const { result } = await runOnce({ apiKey: 'foundry-key-0123456789' });
    expect(result).toMatchObject({ ok: false, code, retryable });
    expect(!result.ok && result.message).toContain(`stand-in says ${status}`);
    expect(upstream.seen).toHaveLength(1); // the client itself never retries
  });

  it('words refused credentials as such', async () => {
    upstream.answer = () => apiError(401, 'Access denied due to invalid subscription key');
    const { result } = await runOnce({ apiKey: 'foundry-key-0123456789' });
    expect(!result.ok && result.message).toMatch(/^Foundry refused the credentials \(401\)/);
  });

  it('cuts a long upstream message to what a job record keeps', async () => {
    upstream.answer = () => apiError(400, 'x'.repeat(BURST_LIMITS.errorChars * 3));
    const { result } = await runOnce({ apiKey: 'foundry-key-0123456789' });
    expect(!result.ok && result.message.length).toBe(BURST_LIMITS.errorChars);
  });

  it('an answer that is not JSON fails without crashing the run', async () => {
    upstream.answer = () => ({
      status: 502,
      contentType: 'text/html',
      body: '<h1>Bad gateway</h1>',
    });
    const { result } = await runOnce({ apiKey: 'foundry-key-0123456789' });
    expect(result).toMatchObject({ ok: false, code: 'upstream_error', retryable: true });
  });
});
