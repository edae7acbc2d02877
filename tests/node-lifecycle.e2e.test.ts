import { describe, expect, it } from 'vitest';
import { spawnChild } from '@proxima/local-node/child';
import { eventually, useTestFleet } from './fleet.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages = [{ role: 'user' as const, content: 'Go on.' }];

describe('node lifecycle', () => {
  it('a node with a wrong token exits non-zero with a clear reason instead of retrying forever', async () => {
    const lines: string[] = [];
    const child = spawnChild({
      name: 'intruder',
      command: process.execPath,
      args: [
        f.t.fleet.proximaBin,
        'node',
        '--edge',
        f.t.fleet.info.url,
        '--model',
        f.t.fleet.modelPath,
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
    const { url } = f.t.fleet.info;
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, url), {
        ...init,
        headers: {
          authorization: `Bearer ${f.t.fleet.adminToken}`,
          'content-type': 'application/json',
        },
      });
    const models = (key: string) =>
      fetch(new URL('/v1/models', url), { headers: { authorization: `Bearer ${key}` } });
    // Keys of several tenants, one revoked, all written to the replicated registry.
    const keys: Array<{ id: string; key: string }> = [];
    for (const tenant of ['alpha', 'beta', 'gamma']) {
      const res = await admin('/admin/api-keys', {
        method: 'POST',
        body: JSON.stringify({ tenant, name: `restart-${tenant}` }),
      });
      expect(res.status).toBe(201);
      keys.push((await res.json()) as { id: string; key: string });
    }
    const [revoked, ...kept] = keys;
    if (!revoked) throw new Error('no key');
    expect((await admin(`/admin/api-keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(200);

    const nodeId = f.t.fleet.nodes[0]?.nodeId ?? '';
    const connectsBefore = f.t.events(nodeId).filter((e) => e['event'] === 'edge.connected').length;
    await f.t.fleet.restartEdge();
    await eventually(
      () =>
        f.t.events(nodeId).filter((e) => e['event'] === 'edge.connected').length > connectsBefore
          ? true
          : undefined,
      30_000,
    );
    const res = await f.client.chat.completions.create({ model, messages, max_tokens: 4 });
    expect(res.usage?.completion_tokens).toBe(4);
    for (const k of kept) expect((await models(k.key)).status, k.id).toBe(200);
    expect((await models(revoked.key)).status).toBe(401);
  });

  it('SIGTERM drains: the job in flight completes, then the node exits 0', async () => {
    const node = f.t.fleet.nodes[0];
    if (!node) throw new Error('no node');
    const stream = await f.client.chat.completions.create({
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
    const events = f.t.events(node.nodeId).map((e) => e['event']);
    expect(events).toContain('node.draining');
    expect(events.indexOf('node.stopped')).toBeGreaterThan(events.lastIndexOf('job.done'));
  });
});
