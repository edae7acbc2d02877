import { REFUSED_BODY_DRAIN_BYTES } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import { readAtMost, readRequestBody } from './read-bounded.ts';

const MIB = 1024 * 1024;

/** A body of `chunks` chunks of `size` bytes (endless when chunks is Infinity) that records its reads. */
function source(chunks: number, size: number) {
  const seen = { pulled: 0, cancelled: false };
  const chunk = new Uint8Array(size).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= chunks) {
        controller.close();
        return;
      }
      seen.pulled++;
      controller.enqueue(chunk.slice());
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

function post(body: ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) {
  return new Request('http://edge.test/v1/chat/completions', {
    method: 'POST',
    body,
    headers,
    ...(body ? { duplex: 'half' } : {}),
  });
}

describe('readRequestBody', () => {
  it('reads a body within the limit whole', async () => {
    const { stream } = source(3, 10);
    const read = await readRequestBody(post(stream), 30);
    expect(read.ok && read.bytes.byteLength).toBe(30);
  });

  it('reads a body found too large to its end before refusing it, so the client gets the 413', async () => {
    const { stream, seen } = source(8, 64 * 1024);
    const read = await readRequestBody(post(stream), 100 * 1024);
    expect(read).toEqual({ ok: false, reason: 'too_large' });
    expect(seen.pulled).toBe(8);
    expect(seen.cancelled).toBe(false);
  });

  it('reads a body declared too large to its end before refusing it', async () => {
    const { stream, seen } = source(5, 1024);
    const read = await readRequestBody(post(stream, { 'content-length': String(5 * 1024) }), 100);
    expect(read).toEqual({ ok: false, reason: 'too_large' });
    expect(seen.pulled).toBe(5);
    expect(seen.cancelled).toBe(false);
  });

  it('cuts off a refused body once it passes REFUSED_BODY_DRAIN_BYTES', async () => {
    const { stream, seen } = source(Infinity, MIB);
    const read = await readRequestBody(post(stream), MIB);
    expect(read).toEqual({ ok: false, reason: 'too_large' });
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled * MIB).toBeGreaterThanOrEqual(REFUSED_BODY_DRAIN_BYTES);
    // The stream may be pulled ahead of the reader by its queue, by a chunk or two at most.
    expect(seen.pulled * MIB).toBeLessThanOrEqual(REFUSED_BODY_DRAIN_BYTES + 3 * MIB);
  });

  it('does not read a body declared larger than REFUSED_BODY_DRAIN_BYTES', async () => {
    const { stream, seen } = source(Infinity, MIB);
    const declared = String(REFUSED_BODY_DRAIN_BYTES + 1);
    const read = await readRequestBody(post(stream, { 'content-length': declared }), MIB);
    expect(read).toEqual({ ok: false, reason: 'too_large' });
    expect(seen.pulled).toBeLessThanOrEqual(1);
  });

  it('says a request without a body is empty', async () => {
    expect(await readRequestBody(post(null), 100)).toEqual({ ok: false, reason: 'empty' });
  });
});

describe('readAtMost', () => {
  it('cancels a stream past its limit at once unless asked to drain it', async () => {
    const { stream, seen } = source(100, 1024);
    expect(await readAtMost(stream, 2048)).toEqual({ ok: false, reason: 'too_large' });
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBeLessThan(10);
  });

  it('says a stream that errors is broken', async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('framing'));
      },
    });
    expect(await readAtMost(stream, 100)).toEqual({ ok: false, reason: 'broken' });
  });
});
