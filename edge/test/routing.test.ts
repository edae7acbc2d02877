// Routing by load and liveness (issue 9): heartbeats feed presence, core/routing chooses.
import { describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import {
  ADMIN,
  BASE,
  chat,
  FakeNode,
  newApiKey,
  newNodeToken,
  runNode,
  unique,
} from './helpers.ts';

const hello = [{ role: 'user', content: 'hi' }];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function twoNodes() {
  const key = await newApiKey();
  const model = unique('model');
  const [aId, bId] = [unique('node'), unique('node')];
  const a = await FakeNode.ready(aId, await newNodeToken(), [model]);
  const b = await FakeNode.ready(bId, await newNodeToken(), [model]);
  return { key, model, a, b, aId, bId };
}

describe('routing by load and liveness', () => {
  it('sends new work to the node with free slots, not to the full one', async () => {
    const { key, model, a, b } = await twoNodes();
    const full = runNode(a, { inFlight: 4 }); // helloFrame announces 4 slots
    const free = runNode(b, { inFlight: 0 });
    try {
      await sleep(1300); // heartbeats reach presence; the 1 s route cache turns over
      for (let i = 0; i < 6; i++)
        expect((await chat(key, { model, messages: hello })).status).toBe(200);
      expect(free.served).toHaveLength(6);
      expect(full.served).toHaveLength(0);
    } finally {
      await Promise.all([full.stop(), free.stop()]);
    }
  });

  it('a node whose heartbeats stop (a stall) gets no new work once it is 1.5 intervals late', async () => {
    const { key, model, a, b, aId, bId } = await twoNodes();
    const stalled = runNode(a, { inFlight: 0 });
    const healthy = runNode(b, { inFlight: 0 });
    try {
      await sleep(600);
      stalled.stopBeating(); // like SIGSTOP: the socket stays open, nothing more arrives
      await sleep(1700); // HEARTBEAT_MS is 1000 in tests: suspect after 1.5 s of silence
      for (let i = 0; i < 6; i++)
        expect((await chat(key, { model, messages: hello })).status).toBe(200);
      expect(healthy.served).toHaveLength(6);
      expect(stalled.served).toHaveLength(0);
      expect(a.closed).toBeNull(); // still connected: suspect, not dropped
      const listed = await SELF.fetch(`${BASE}/admin/nodes`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      const { nodes } = await listed.json<{ nodes: Array<{ nodeId: string; health: string }> }>();
      const health = new Map(nodes.map((n) => [n.nodeId, n.health]));
      expect([health.get(aId), health.get(bId)]).toEqual(['suspect', 'healthy']);
    } finally {
      await Promise.all([stalled.stop(), healthy.stop()]);
    }
  });

  it('a silent node takes nothing; back with one late heartbeat it is suspect, and serves when it is the only one', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const nodeId = unique('node');
    const node = await FakeNode.ready(nodeId, await newNodeToken(), [model]);
    const only = runNode(node, { inFlight: 0 });
    try {
      only.stopBeating();
      await sleep(1700);
      expect((await chat(key, { model, messages: hello })).status).toBe(503);
      only.beatOnce(); // late: suspect until two more arrive on time
      await sleep(100);
      expect((await chat(key, { model, messages: hello })).status).toBe(200);
      expect(only.served).toHaveLength(1);
      const listed = await SELF.fetch(`${BASE}/admin/nodes`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      const { nodes } = await listed.json<{ nodes: Array<{ nodeId: string; health: string }> }>();
      expect(nodes.find((n) => n.nodeId === nodeId)?.health).toBe('suspect');
    } finally {
      await only.stop();
    }
  });

  it(
    'takes back a node that presence dropped as gone while its socket stayed open and it spoke',
    { timeout: 15_000 },
    async () => {
      const key = await newApiKey();
      const model = unique('model');
      const nodeId = unique('node');
      const node = await FakeNode.ready(nodeId, await newNodeToken(), [model]);
      const only = runNode(node, { inFlight: 0 });
      const health = async () => {
        const listed = await SELF.fetch(`${BASE}/admin/nodes`, {
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        const { nodes } = await listed.json<{
          nodes: Array<{ nodeId: string; connected: boolean; health: string | null }>;
        }>();
        return nodes.find((n) => n.nodeId === nodeId);
      };
      try {
        only.stopBeating();
        // Frames that are not heartbeats (a late chunk of a job long gone) keep the socket open,
        // while presence sees no heartbeat for three intervals and drops the node.
        for (let i = 0; i < 8; i++) {
          node.send({ type: 'chunk', jobId: 'gone-job', seq: 0, text: 'late' });
          await sleep(500);
        }
        expect(await health()).toMatchObject({ connected: false, health: null });
        expect(node.closed).toBeNull();
        only.beatOnce();
        await sleep(100);
        expect(await health()).toMatchObject({ connected: true, health: 'suspect' });
        await sleep(1100); // the route cache turns over
        expect((await chat(key, { model, messages: hello })).status).toBe(200);
      } finally {
        await only.stop();
      }
    },
  );

  it('sends a follow-up turn to the node that answered the turn before (its KV cache)', async () => {
    const { key, model, a, b } = await twoNodes();
    const nodes = [runNode(a, { inFlight: 0 }), runNode(b, { inFlight: 0 })];
    const servedBy = () => nodes.map((n) => n.served.length);
    try {
      await sleep(1300);
      for (let i = 0; i < 6; i++) {
        const first = [{ role: 'user', content: `conversation ${i}` }];
        const before = servedBy();
        expect((await chat(key, { model, messages: first })).status).toBe(200);
        const turn1 = servedBy().findIndex((n, j) => n > (before[j] ?? 0));
        await sleep(50); // the answer is remembered after the response
        const follow = [
          ...first,
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: 'and?' },
        ];
        const mid = servedBy();
        const res = await chat(key, { model, messages: follow, stream: i % 2 === 0 });
        expect(res.status).toBe(200);
        await res.text();
        expect(servedBy().findIndex((n, j) => n > (mid[j] ?? 0))).toBe(turn1);
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});

// A node's slot count follows its free VRAM: the heartbeat's `slots` replaces hello's for routing.
describe("the heartbeat's slot count", () => {
  it('a node whose slots shrank below its load takes no new work, though hello said 4', async () => {
    const { key, model, a, b, aId } = await twoNodes();
    // A is the less loaded one (1 job against 3), so by hello's 4 slots it would win every time.
    const shrunk = runNode(a, { inFlight: 1, slots: 1 });
    const busy = runNode(b, { inFlight: 3 });
    try {
      await sleep(1300); // heartbeats reach presence; the 1 s route cache turns over
      for (let i = 0; i < 4; i++)
        expect((await chat(key, { model, messages: hello })).status).toBe(200);
      expect(busy.served).toHaveLength(4);
      expect(shrunk.served).toHaveLength(0);
      const listed = await SELF.fetch(`${BASE}/admin/nodes`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      const { nodes } = await listed.json<{ nodes: Array<{ nodeId: string; slots: number }> }>();
      expect(nodes.find((n) => n.nodeId === aId)?.slots).toBe(1);
    } finally {
      await Promise.all([shrunk.stop(), busy.stop()]);
    }
  });

  it('a node whose slots grew takes work beyond what hello said', async () => {
    const { key, model, a, b } = await twoNodes();
    const grown = runNode(a, { inFlight: 4, slots: 6 });
    const full = runNode(b, { inFlight: 4 });
    try {
      await sleep(1300);
      for (let i = 0; i < 4; i++)
        expect((await chat(key, { model, messages: hello })).status).toBe(200);
      expect(grown.served).toHaveLength(4);
      expect(full.served).toHaveLength(0);
    } finally {
      await Promise.all([grown.stop(), full.stop()]);
    }
  });

  it("an old node's heartbeat without slots keeps hello's figure", async () => {
    const { key, model, a, b } = await twoNodes();
    const old = runNode(a, { inFlight: 3 }); // 1 free of hello's 4
    const full = runNode(b, { inFlight: 4 });
    try {
      await sleep(1300);
      for (let i = 0; i < 3; i++)
        expect((await chat(key, { model, messages: hello })).status).toBe(200);
      expect(old.served).toHaveLength(3);
      expect(full.served).toHaveLength(0);
    } finally {
      await Promise.all([old.stop(), full.stop()]);
    }
  });
});
