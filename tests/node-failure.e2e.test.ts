import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from './fleet.ts';

let t: TestFleet;
let client: OpenAI;
const model = 'proxima-demo';
const messages = [{ role: 'user' as const, content: 'Keep talking.' }];

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

describe('a node that dies', () => {
  it('mid-stream: the client gets a terminal error, not a silent truncation', async () => {
    const node = t.fleet.nodes[0];
    if (!node) throw new Error('no node');
    const stream = await client.chat.completions.create({
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
    const err = await client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(503);
    expect(apiErr.headers?.get('retry-after')).toBe('5');
  });

  it('and a restarted node serves again', async () => {
    const node = t.fleet.startNode('dev-node-2');
    await node.connected;
    const res = await client.chat.completions.create({ model, messages, max_tokens: 4 });
    expect(res.choices[0]?.finish_reason).toBeDefined();
  });
});
