// A node whose slot count changes (the llama engine under slots 'auto' follows free VRAM):
// the runner starts only as many jobs as the count allows now, and the heartbeat reports it.
import {
  encode,
  NODE_PROTOCOL_VERSION,
  type JobRequest,
  type NodeToEdge,
} from '@proxima/core/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, GenerateEvent } from '../engine/engine.ts';
import { NodeAgent } from './agent.ts';
import { fakeEdge } from './edge-stand-in.testing.ts';
import { JobRunner } from './job-runner.ts';
import { silentLogger } from './log.ts';

/** An engine whose generations the test ends by hand. */
function heldEngine() {
  const finish: Array<() => void> = [];
  const engine: Engine = {
    models: [{ id: 'm', contextSize: 64, description: 'test' }],
    info: () =>
      Promise.resolve({ engine: 'held', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
    async *generate(_req, signal): AsyncGenerator<GenerateEvent> {
      await new Promise<void>((resolve, reject) => {
        finish.push(resolve);
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 0 } };
    },
    close: () => Promise.resolve(),
  };
  return { engine, finish };
}

const request: JobRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'x' }],
  maxTokens: null,
  temperature: 1,
  topP: 1,
  stop: [],
  seed: null,
};
const tick = () => new Promise((r) => setTimeout(r, 5));

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

describe('a slot count that changes', () => {
  it('the runner starts as many jobs as the count allows now; the rest wait, none fail', async () => {
    const { engine, finish } = heldEngine();
    let slots = 1;
    const runner = new JobRunner(engine, () => slots, silentLogger);
    const sent: NodeToEdge[] = [];
    for (const id of ['a', 'b', 'c']) runner.submit(id, request, (m) => sent.push(m) > 0);
    await tick();
    expect([runner.inFlight, runner.queued]).toEqual([1, 2]);
    slots = 3;
    runner.recheck();
    await tick();
    expect([runner.inFlight, runner.queued]).toEqual([3, 0]);
    // Shrunk under load: running jobs finish, and nothing new starts until below the count.
    slots = 1;
    runner.submit('d', request, (m) => sent.push(m) > 0);
    finish.shift()?.();
    await tick();
    expect([runner.inFlight, runner.queued]).toEqual([2, 1]);
    finish.shift()?.();
    finish.shift()?.();
    await tick();
    expect([runner.inFlight, runner.queued]).toEqual([1, 0]);
    finish.shift()?.();
    await runner.idle();
    expect(sent.filter((m) => m.type === 'done')).toHaveLength(4);
    expect(sent.filter((m) => m.type === 'error')).toHaveLength(0);
  });

  it('hello and each heartbeat carry the count at that moment', async () => {
    const edge = await fakeEdge();
    let slots = 3;
    const agent = new NodeAgent({
      edgeUrl: edge.url,
      token: 'pxn_test_token_0123456789',
      nodeId: 'n1',
      engine: heldEngine().engine,
      engineName: 'test',
      slots: () => slots,
      log: silentLogger,
    });
    const running = agent.run();
    cleanup.push(() => {
      agent.stop();
      edge.server.close();
    });
    const ws = await edge.socket;
    expect(await edge.next('hello')).toMatchObject({ slots: 3 });
    ws.send(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs: 100 }));
    expect(await edge.next('heartbeat')).toMatchObject({ slots: 3 });
    slots = 1;
    // A beat already under way may still say 3; the next one says 1.
    let beat = await edge.next('heartbeat');
    if ((beat as { slots?: number }).slots === 3) beat = await edge.next('heartbeat');
    expect(beat).toMatchObject({ type: 'heartbeat', slots: 1 });
    agent.stop();
    await running;
  });
});
