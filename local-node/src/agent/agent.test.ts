import { CLOSE, encode, FRAME_MAX_BYTES, NODE_PROTOCOL_VERSION } from '@proxima/core/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, GenerateEvent } from '../engine/engine.ts';
import { NodeAgent } from './agent.ts';
import { fakeEdge } from './edge-stand-in.testing.ts';
import { silentLogger } from './log.ts';

const engine: Engine = {
  models: [{ id: 'm', contextSize: 64, description: 'test' }],
  info: () => Promise.resolve({ engine: 'test', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  async *generate(): AsyncGenerator<GenerateEvent> {
    await Promise.resolve();
    yield { type: 'delta', text: 'ok' };
    yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } };
  },
  close: () => Promise.resolve(),
};

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

describe('regression: one request takes a node out for good', () => {
  it('a job frame the node refuses fails that job; the connection and the node live on', async () => {
    const edge = await fakeEdge();
    const agent = new NodeAgent({
      edgeUrl: edge.url,
      token: 'pxn_test_token_0123456789',
      nodeId: 'n1',
      engine,
      engineName: 'test',
      slots: 1,
      log: silentLogger,
    });
    const running = agent.run();
    cleanup.push(() => {
      agent.stop();
      edge.server.close();
    });
    const ws = await edge.socket;
    expect(await edge.next('hello')).toMatchObject({ protocol: NODE_PROTOCOL_VERSION });
    ws.send(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs: 60_000 }));

    // Over the frame limit, as an edge with a looser limit would have sent it.
    const request = {
      model: 'm',
      messages: [{ role: 'user' as const, content: 'x'.repeat(FRAME_MAX_BYTES) }],
      maxTokens: 4,
      temperature: 1,
      topP: 1,
      stop: [],
      seed: null,
    };
    ws.send(encode({ type: 'job', jobId: 'too-big', request }));
    expect(await edge.next('error')).toMatchObject({ jobId: 'too-big', code: 'invalid_job' });
    // Malformed in another way: a field out of range.
    ws.send(
      encode({
        type: 'job',
        jobId: 'bad-field',
        request: { ...request, messages: [], temperature: 9 },
      }),
    );
    expect(await edge.next('error')).toMatchObject({ jobId: 'bad-field', code: 'invalid_job' });
    // Not a job at all: ignored.
    ws.send('not json');
    ws.send(Buffer.from([1, 2, 3]));

    // The same connection still serves.
    ws.send(
      encode({
        type: 'job',
        jobId: 'fine',
        request: { ...request, messages: [{ role: 'user', content: 'hi' }] },
      }),
    );
    expect(await edge.next('done')).toMatchObject({ jobId: 'fine' });
    expect(ws.readyState).toBe(ws.OPEN);

    agent.stop();
    await expect(running).resolves.toBeUndefined();
  });

  it('a malformed-frame close after welcome is not fatal: the node reconnects', async () => {
    const edge = await fakeEdge();
    const agent = new NodeAgent({
      edgeUrl: edge.url,
      token: 'pxn_test_token_0123456789',
      nodeId: 'n2',
      engine,
      engineName: 'test',
      slots: 1,
      log: silentLogger,
      backoff: { baseMs: 10, maxMs: 20 },
    });
    const running = agent.run();
    cleanup.push(() => {
      agent.stop();
      edge.server.close();
    });
    const ws = await edge.socket;
    await edge.next('hello');
    ws.send(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 20));
    ws.close(CLOSE.malformed, 'invalid text: one bad chunk');
    // The agent dials again: a second hello arrives.
    expect(await edge.next('hello')).toMatchObject({ nodeId: 'n2' });
    agent.stop();
    await expect(running).resolves.toBeUndefined();
  });
});
