import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild } from '@proxima/local-node/child';
import { eventually, startTestFleet, type TestFleet } from './fleet.ts';

let t: TestFleet;
let client: OpenAI;
const model = 'proxima-demo';
const messages = [{ role: 'user' as const, content: 'Go on.' }];

beforeAll(async () => {
  t = await startTestFleet();
  client = new OpenAI({
    baseURL: `${t.fleet.info.url}/v1`,
    apiKey: t.fleet.info.apiKey,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await t?.close();
});

describe('node lifecycle', () => {
  it('a node with a wrong token exits non-zero with a clear reason instead of retrying forever', async () => {
    const lines: string[] = [];
    const child = spawnChild({
      name: 'intruder',
      command: process.execPath,
      args: [
        t.fleet.proximaBin,
        'node',
        '--edge',
        t.fleet.info.url,
        '--model',
        t.fleet.modelPath,
        '--node-id',
        'intruder',
      ],
      env: { PROXIMA_NODE_TOKEN: 'pxn_not-a-real-token-000000' },
      onLine: (line) => lines.push(line),
    });
    const code = await child.exited;
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/node\.fatal.*4401.*node token/);
  });

  it('the edge restarts: the node reconnects by itself and keys persist', async () => {
    const nodeId = t.fleet.nodes[0]?.nodeId ?? '';
    const connectsBefore = t.events(nodeId).filter((e) => e['event'] === 'edge.connected').length;
    await t.fleet.restartEdge();
    await eventually(
      () =>
        t.events(nodeId).filter((e) => e['event'] === 'edge.connected').length > connectsBefore
          ? true
          : undefined,
      30_000,
    );
    const res = await client.chat.completions.create({ model, messages, max_tokens: 4 });
    expect(res.usage?.completion_tokens).toBe(4);
  });

  it('SIGTERM drains: the job in flight completes, then the node exits 0', async () => {
    const node = t.fleet.nodes[0];
    if (!node) throw new Error('no node');
    const stream = await client.chat.completions.create({
      model,
      messages,
      max_tokens: 1500,
      stream: true,
    });
    let finish: string | null = null;
    let signalled = false;
    let completion = 0;
    for await (const chunk of stream) {
      if (!signalled && chunk.choices[0]?.delta.content) {
        signalled = true;
        node.child.process.kill('SIGTERM');
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      completion += chunk.choices[0]?.delta.content ? 1 : 0;
    }
    expect(signalled).toBe(true);
    expect(finish).toBe('length');
    expect(completion).toBeGreaterThan(1);
    expect(await node.child.exited).toBe(0);
    const events = t.events(node.nodeId).map((e) => e['event']);
    expect(events).toContain('node.draining');
    expect(events.indexOf('node.stopped')).toBeGreaterThan(events.lastIndexOf('job.done'));
  });
});
