import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useTestFleet } from './fleet.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages = [{ role: 'user' as const, content: 'Keep talking.' }];

describe('a node that dies', () => {
  it('mid-stream: the client gets a terminal error, not a silent truncation', async () => {
    const node = f.t.fleet.nodes[0];
    if (!node) throw new Error('no node');
    const stream = await f.client.chat.completions.create({
      model,
      messages,
      max_tokens: 1800,
      stream: true,
    });
    let text = '';
    let finished = false;
    const consume = (async () => {
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content;
        if (delta) {
          text += delta;
          // Freeze the node at once so it cannot finish, then kill it.
          if (node.child.process.pid !== undefined && !node.child.process.killed) {
            node.child.process.kill('SIGSTOP');
            node.child.process.kill('SIGKILL');
          }
        }
        if (chunk.choices[0]?.finish_reason) finished = true;
      }
    })();
    const err = await consume.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/node/i);
    expect(finished).toBe(false);
    expect(text.length).toBeGreaterThan(0);
  });

  it('then: 503 with Retry-After while no node can serve the model', async () => {
    const err = await f.client.chat.completions
      .create({ model, messages })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(503);
    expect(apiErr.headers?.get('retry-after')).toBe('5');
  });

  it('and a restarted node serves again', async () => {
    const node = await f.t.fleet.startNode('dev-node-2');
    await node.connected;
    const res = await f.client.chat.completions.create({ model, messages, max_tokens: 4 });
    expect(res.choices[0]?.finish_reason).toBeDefined();
  });
});
