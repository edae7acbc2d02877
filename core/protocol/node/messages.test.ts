import { describe, expect, it } from 'vitest';
import { CLOSE, closeReason, isFatalClose } from './close-codes.ts';
import { encode, parseEdgeToNode, parseNodeToEdge, type NodeToEdge } from './messages.ts';
import { sampleHello } from './testing.ts';

const hello = sampleHello();
const beat = (over: Record<string, unknown>) =>
  JSON.stringify({ type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0, ...over });

describe('node protocol', () => {
  it('round-trips every node message', () => {
    const messages: NodeToEdge[] = [
      hello,
      { type: 'heartbeat', inFlight: 1, queued: 0, vramFreeBytes: 5 },
      { type: 'heartbeat', inFlight: 1, queued: 0, vramFreeBytes: 5, slots: 3 },
      { type: 'chunk', jobId: 'j1', seq: 0, text: 'hé' },
      {
        type: 'done',
        jobId: 'j1',
        seq: 1,
        finishReason: 'length',
        usage: { promptTokens: 3, completionTokens: 1 },
      },
      { type: 'error', jobId: 'j1', code: 'engine_failed', message: 'boom' },
      { type: 'drain' },
    ];
    for (const m of messages) expect(parseNodeToEdge(encode(m))).toEqual({ ok: true, message: m });
  });

  it('round-trips edge messages', () => {
    const job = {
      type: 'job' as const,
      jobId: 'j2',
      request: {
        model: 'proxima-demo',
        messages: [{ role: 'user' as const, content: 'hi' }],
        maxTokens: null,
        temperature: 0.5,
        topP: 1,
        stop: [],
        seed: 4,
      },
    };
    expect(parseEdgeToNode(encode(job))).toEqual({ ok: true, message: job });
  });

  it.each([
    ['not json', 'frame is not JSON'],
    [JSON.stringify({ type: 'nope' }), 'invalid type'],
    [JSON.stringify({ ...hello, models: [] }), 'invalid models'],
    [JSON.stringify({ ...hello, nodeId: 'a b' }), 'invalid nodeId'],
    [JSON.stringify({ type: 'chunk', jobId: 'j', seq: -1, text: '' }), 'invalid seq'],
    [beat({ slots: 0 }), 'invalid slots'],
    [beat({ slots: 1025 }), 'invalid slots'],
    [beat({ slots: 1.5 }), 'invalid slots'],
  ])('refuses %s with a reason that names the field', (frame, reason) => {
    const parsed = parseNodeToEdge(frame);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe(CLOSE.malformed);
      expect(parsed.reason).toContain(reason);
    }
  });

  it('refuses binary frames', () => {
    expect(parseNodeToEdge(new ArrayBuffer(2)).ok).toBe(false);
  });

  it('keeps close reasons short and ASCII', () => {
    const reason = closeReason('é'.repeat(300));
    expect(reason.length).toBe(120);
    expect(/^[\x20-\x7e]*$/.test(reason)).toBe(true);
    expect(isFatalClose(CLOSE.unauthorized)).toBe(true);
    expect(isFatalClose(CLOSE.goingAway)).toBe(false);
  });
});

describe('the context bound', () => {
  it("uses the node's own bound when it announced one, else 128 bytes a token", async () => {
    const { certainlyExceedsContext } = await import('../limits.ts');
    expect(certainlyExceedsContext(100, { contextSize: 1 })).toBe(false);
    expect(certainlyExceedsContext(129, { contextSize: 1 })).toBe(true);
    expect(certainlyExceedsContext(13, { contextSize: 2, maxPromptBytes: 12 })).toBe(true);
    expect(certainlyExceedsContext(12, { contextSize: 2, maxPromptBytes: 12 })).toBe(false);
  });
});
