import { describe, expect, it } from 'vitest';
import { REQUEST_BODY_MAX_BYTES } from '../limits.ts';
import { continuationRequest } from './continuation.ts';
import {
  encode,
  nodeSupports,
  parseEdgeToNode,
  parseNodeToEdge,
  promptBytes,
  type JobRequest,
} from './messages.ts';
import { sampleHello } from './testing.ts';

const original: JobRequest = {
  model: 'proxima-demo',
  messages: [{ role: 'user', content: 'Tell me a story.' }],
  maxTokens: 100,
  temperature: 0.7,
  topP: 0.9,
  stop: ['END'],
  seed: 3,
};
const model = { contextSize: 512 };
const hello = sampleHello({ slots: 1 });
const jobFrame = (request: unknown) => JSON.stringify({ type: 'job', jobId: 'j1', request });

describe('assistantPrefix in the node protocol', () => {
  it('round-trips a job with a prefix, and one without it unchanged', () => {
    for (const request of [original, { ...original, assistantPrefix: 'Once upon a time' }]) {
      const job = { type: 'job' as const, jobId: 'j1', request };
      expect(parseEdgeToNode(encode(job))).toEqual({ ok: true, message: job });
    }
  });

  it('refuses an empty, ill-formed or oversized prefix', () => {
    const refused = (assistantPrefix: string) =>
      parseEdgeToNode(jobFrame({ ...original, assistantPrefix }));
    expect(refused('')).toMatchObject({ ok: false, reason: /request\.assistantPrefix/ });
    expect(refused('a\uD800')).toMatchObject({ ok: false, reason: /unpaired surrogates/ });
    // Just over the body limit, yet within the frame: the prefix's own bound refuses it.
    expect(refused('x'.repeat(REQUEST_BODY_MAX_BYTES + 1))).toMatchObject({
      ok: false,
      reason: /at most \d+ bytes/,
    });
  });

  it('counts the prefix in the prompt measured against the context', () => {
    expect(promptBytes({ ...original, assistantPrefix: 'é' })).toBe(promptBytes(original) + 2);
  });

  it('is announced by the continue feature; old hellos without features still parse', () => {
    expect(nodeSupports(hello, 'continue')).toBe(false);
    expect(parseNodeToEdge(encode(hello))).toEqual({ ok: true, message: hello });
    const newer = { ...hello, features: ['continue', 'some-future-thing'] };
    const parsed = parseNodeToEdge(encode(newer));
    expect(parsed).toEqual({ ok: true, message: newer });
    expect(nodeSupports(newer, 'continue')).toBe(true);
    expect(parseNodeToEdge(encode({ ...hello, features: ['Not A Name'] }))).toMatchObject({
      ok: false,
      reason: /features\[0\]/,
    });
  });
});

describe('continuationRequest', () => {
  it('keeps prompt and sampling, sends the emitted text as prefix, and spends the budget', () => {
    const next = continuationRequest(original, { text: 'Once upon', chunks: 2 }, model);
    expect(next).toEqual({
      ok: true,
      request: { ...original, maxTokens: 98, assistantPrefix: 'Once upon' },
    });
  });

  it('starts over when nothing was emitted, and keeps an unbounded budget unbounded', () => {
    expect(continuationRequest(original, { text: '', chunks: 0 }, model)).toEqual({
      ok: true,
      request: original,
    });
    const unbounded = { ...original, maxTokens: null };
    expect(continuationRequest(unbounded, { text: 'a', chunks: 1 }, model)).toMatchObject({
      ok: true,
      request: { maxTokens: null, assistantPrefix: 'a' },
    });
  });

  it('appends to the prefix of an earlier continuation', () => {
    const first = { ...original, maxTokens: 98, assistantPrefix: 'Once upon' };
    expect(continuationRequest(first, { text: ' a time', chunks: 2 }, model)).toMatchObject({
      ok: true,
      request: { maxTokens: 96, assistantPrefix: 'Once upon a time' },
    });
  });

  it('says when the budget is spent, rather than asking for zero tokens', () => {
    const short = { ...original, maxTokens: 2 };
    expect(continuationRequest(short, { text: 'ab', chunks: 2 }, model)).toMatchObject({
      ok: false,
      reason: 'budget_spent',
    });
    expect(continuationRequest(short, { text: 'a', chunks: 1 }, model)).toMatchObject({
      ok: true,
      request: { maxTokens: 1 },
    });
  });

  it('says when prompt and prefix cannot fit the next context', () => {
    const tiny = { contextSize: 4, maxPromptBytes: 24 };
    const fits = 24 - promptBytes(original) - 1; // prompt is 16 bytes
    expect(continuationRequest(original, { text: 'x'.repeat(fits), chunks: 1 }, tiny).ok).toBe(
      true,
    );
    expect(
      continuationRequest(original, { text: 'x'.repeat(fits + 2), chunks: 1 }, tiny),
    ).toMatchObject({ ok: false, reason: 'context' });
  });

  it('refuses a prefix the node would refuse: too large or ill-formed', () => {
    const huge = { contextSize: 1 << 30 };
    const big = 'x'.repeat(REQUEST_BODY_MAX_BYTES + 1);
    expect(continuationRequest(original, { text: big, chunks: 1 }, huge)).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
    expect(continuationRequest(original, { text: 'a\uD83D', chunks: 1 }, model)).toMatchObject({
      ok: false,
      reason: 'ill_formed',
    });
    // What it accepts, the node's own schema accepts too.
    const next = continuationRequest(original, { text: 'Once 🌊', chunks: 3 }, model);
    if (!next.ok) throw new Error(next.message);
    expect(parseEdgeToNode(jobFrame(next.request)).ok).toBe(true);
  });
});
