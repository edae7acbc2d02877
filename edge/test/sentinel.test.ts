// The sentinel (issue 9): latency and error baselines per node in Presence, their alerts at
// /admin/alerts and /admin/nodes, degraded nodes taking work last; /admin/routing shows one
// isolate's breakers. Observations reach Presence through its RPC, as NodeSession sends them.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { JobObservation } from '@proxima/core/routing';
import { presenceStub, type Env } from '../src/env.ts';
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

/** Each RPC to the object takes milliseconds: these tests pace simulated time, not real time. */
const JOB_EVERY_MS = 2500;
const SLOW_TEST_MS = 30_000;

const presence = () => presenceStub(env as Env);

const ok = (ttftMs: number): JobObservation => ({
  ttftMs,
  tokens: 51,
  durationMs: ttftMs + 50 * 20,
  failed: false,
});

interface AlertJson {
  backend: string;
  kind: string;
  metric: string;
  current: number;
  baseline: number;
  since: number;
  clearedAt?: number;
  reason?: string;
}

async function admin<T>(path: string): Promise<T> {
  const res = await SELF.fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status, path).toBe(200);
  return res.json<T>();
}

/** A node announced straight to Presence (no socket), whose heartbeats the test sends. */
async function announce(nodeId: string, model: string, session: number, at: number) {
  await presence().nodeConnected(
    {
      nodeId,
      session,
      models: [model],
      engine: 'fake',
      gpu: 'cpu',
      slots: 4,
      features: [],
      capabilities: {},
    },
    at,
  );
}

/**
 * `count` jobs, one every 2.5 s of the clock passed to Presence (not the test's: minutes pass in
 * a second), each after a heartbeat so the node stays live (gone after 3 s of silence here).
 * Returns the time of the last one.
 */
async function jobs(
  nodeId: string,
  session: number,
  o: JobObservation,
  from: number,
  count: number,
): Promise<number> {
  const p = presence();
  let t = from;
  for (let i = 0; i < count; i++) {
    t += JOB_EVERY_MS;
    await p.nodeHeartbeat(nodeId, session, { inFlight: 0, queued: 0, vramFreeBytes: 0 }, t);
    await p.nodeJobObserved(nodeId, session, o, t);
  }
  return t;
}

describe('the sentinel in Presence', () => {
  it(
    'a sustained rise of time to first token raises an alert, marks the node degraded, and clears on recovery',
    async () => {
      const nodeId = unique('sentinel');
      const model = unique('model');
      const p = presence();
      let t = Date.now() - 400_000;
      await announce(nodeId, model, 1, t);

      t = await jobs(nodeId, 1, ok(300), t, 40);
      expect((await p.backends(model, t))[0]).toMatchObject({ id: nodeId, degraded: false });
      // One very slow job changes nothing.
      t = await jobs(nodeId, 1, ok(60_000), t, 1);
      expect((await p.backends(model, t))[0]?.degraded).toBe(false);

      t = await jobs(nodeId, 1, ok(1500), t, 30);
      expect((await p.backends(model, t))[0]).toMatchObject({ id: nodeId, degraded: true });
      await p.nodeHeartbeat(nodeId, 1, { inFlight: 0, queued: 0, vramFreeBytes: 0 }, Date.now());
      const raised = await admin<{ alerts: AlertJson[]; cleared: AlertJson[] }>('/admin/alerts');
      const alert = raised.alerts.find((a) => a.backend === nodeId);
      expect(alert).toMatchObject({ kind: 'latency', metric: 'ttft_ms', baseline: 300 });
      expect(alert?.current).toBeGreaterThan(600);
      const { nodes } = await admin<{ nodes: Array<{ nodeId: string; alerts: AlertJson[] }> }>(
        '/admin/nodes',
      );
      expect(nodes.find((n) => n.nodeId === nodeId)?.alerts).toEqual([alert]);

      t = await jobs(nodeId, 1, ok(300), t, 50);
      expect((await p.backends(model, t))[0]?.degraded).toBe(false);
      await p.nodeHeartbeat(nodeId, 1, { inFlight: 0, queued: 0, vramFreeBytes: 0 }, Date.now());
      const after = await admin<{ alerts: AlertJson[]; cleared: AlertJson[] }>('/admin/alerts');
      expect(after.alerts.filter((a) => a.backend === nodeId)).toEqual([]);
      expect(after.cleared.find((a) => a.backend === nodeId)).toMatchObject({
        kind: 'latency',
        reason: 'recovered',
        since: alert?.since,
        clearedAt: expect.any(Number) as unknown,
      });
    },
    SLOW_TEST_MS,
  );

  it('failing jobs raise an error alert; the node leaving clears it as disconnected', async () => {
    const nodeId = unique('sentinel');
    const model = unique('model');
    const p = presence();
    let t = Date.now() - 60_000;
    await announce(nodeId, model, 3, t);
    t = await jobs(nodeId, 3, { ttftMs: null, tokens: 0, durationMs: 40, failed: true }, t, 8);
    expect((await p.alerts(t)).alerts.filter((a) => a.backend === nodeId)).toMatchObject([
      { kind: 'errors', metric: 'error_rate', current: 1 },
    ]);
    await p.nodeDisconnected(nodeId, 3, t + 1);
    const report = await p.alerts(t + 2);
    expect(report.alerts.filter((a) => a.backend === nodeId)).toEqual([]);
    expect(report.cleared[0]).toMatchObject({
      backend: nodeId,
      kind: 'errors',
      reason: 'disconnected',
    });
  });

  it('ignores malformed observations (an RPC boundary), other sessions and unknown nodes', async () => {
    const nodeId = unique('sentinel');
    const model = unique('model');
    const p = presence();
    let t = Date.now() - 60_000;
    await announce(nodeId, model, 5, t);
    const failed = { ttftMs: null, tokens: 0, durationMs: 40, failed: true };
    const bad: unknown[] = [
      { ...failed, durationMs: Number.NaN },
      { ...failed, durationMs: -1 },
      { ...failed, tokens: 2.5 },
      { ...failed, ttftMs: Infinity },
      { ...failed, failed: 'yes' },
      { ...failed, durationMs: '40' },
      null,
      'failed',
    ];
    for (let i = 0; i < 20; i++) {
      t += 500;
      await p.nodeHeartbeat(nodeId, 5, { inFlight: 0, queued: 0, vramFreeBytes: 0 }, t);
      await p.nodeJobObserved(nodeId, 5, bad[i % bad.length] as JobObservation, t);
      await p.nodeJobObserved(nodeId, 4, failed, t); // an older session's late report
      await p.nodeJobObserved(unique('nobody'), 5, failed, t);
      await p.nodeJobObserved(nodeId, 5, failed, Number.NaN);
    }
    expect((await p.backends(model, t))[0]).toMatchObject({ id: nodeId, degraded: false });
    expect((await p.alerts(t)).alerts.filter((a) => a.backend === nodeId)).toEqual([]);
    // The same reports, well formed, do raise it: the refusals above were the validation.
    await jobs(nodeId, 5, failed, t, 8);
    expect((await p.backends(model, t + 8000))[0]?.degraded).toBe(true);
  });
});

describe('a degraded node takes work last; /admin/routing', () => {
  it(
    'new work goes to the node without an alert, and the router shows what it chose',
    async () => {
      const key = await newApiKey();
      const model = unique('model');
      const [aId, bId] = [unique('node'), unique('node')];
      const a = runNode(await FakeNode.ready(aId, await newNodeToken(), [model]));
      const b = runNode(await FakeNode.ready(bId, await newNodeToken(), [model]));
      try {
        const p = presence();
        const session = (await p.listNodes(Date.now())).find((n) => n.nodeId === aId)?.session;
        if (session === undefined) throw new Error(`${aId} is not listed`);
        // A's last three minutes, as its session would have reported them: then slow.
        let t = Date.now() - 200_000;
        for (const [o, count] of [
          [ok(300), 40],
          [ok(1500), 30],
        ] as const) {
          for (let i = 0; i < count; i++)
            await p.nodeJobObserved(aId, session, o, (t += JOB_EVERY_MS));
        }
        await new Promise((r) => setTimeout(r, 1100)); // the 1 s route cache turns over
        for (let i = 0; i < 6; i++)
          expect(
            (await chat(key, { model, messages: [{ role: 'user', content: 'hi' }] })).status,
          ).toBe(200);
        // Both are free and healthy: a uniform pick would send all six to B with probability 1/64.
        expect(b.served).toHaveLength(6);
        expect(a.served).toHaveLength(0);

        const routing = await admin<{
          scope: string;
          isolate: string;
          note: string;
          backends: Array<{ id: string; breaker: string; latencyMs: number; sampled: boolean }>;
          upstreams: unknown[];
          upstreamsError: string | null;
        }>('/admin/routing');
        expect(routing).toMatchObject({ scope: 'isolate', upstreams: [], upstreamsError: null });
        expect(routing.note).toMatch(/^One edge isolate's view/);
        expect(routing.isolate).toMatch(/^[0-9a-f]{8}$/);
        expect(routing.backends.find((x) => x.id === bId)).toMatchObject({
          breaker: 'closed',
          sampled: true,
        });
        expect(routing.backends.some((x) => x.id === aId)).toBe(false);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
    SLOW_TEST_MS,
  );

  it('/admin/alerts and /admin/routing need the admin token', async () => {
    for (const path of ['/admin/alerts', '/admin/routing']) {
      const res = await SELF.fetch(`${BASE}${path}`);
      expect(res.status, path).toBe(401);
    }
  });
});
