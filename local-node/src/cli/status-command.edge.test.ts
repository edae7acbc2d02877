import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeAgent } from '../agent/agent.ts';
import { silentLogger } from '../agent/log.ts';
import type { Engine, GenerateEvent } from '../engine/engine.ts';
import { useRealEdge } from './admin/real-edge.testing.ts';
import { runCli, type CliRun } from './run-cli.testing.ts';

/**
 * `proxima status` against the REAL edge in local workerd (Miniflare), with a real node agent
 * connected and an upstream that drops every connection, so its breaker opens.
 */

const ADMIN_TOKEN = 'edge-admin-token-for-the-status-cli-test-0';

const engine: Engine = {
  models: [{ id: 'tiny-test', contextSize: 64, description: 'test' }],
  info: () => Promise.resolve({ engine: 'test', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  async *generate(): AsyncGenerator<GenerateEvent> {
    await Promise.resolve();
    yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0 } };
  },
  close: () => Promise.resolve(),
};

/** Holds a port and drops every connection: an upstream that is down. */
const dropping: Server = createServer((socket) => socket.destroy());
beforeAll(() => new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => dropping.close(() => resolve())));
/** Read when the edge starts (its beforeAll runs after the one above, which gave the port). */
const upstreams = () =>
  JSON.stringify([
    {
      name: 'cloud-a',
      baseUrl: `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/v1`,
      models: { 'cloud-only': 'some-model' },
      costPer1kTokens: 0.2,
      priority: 0,
      maxConcurrent: 4,
    },
  ]);

/** Runs `argv` until `ready` holds for its answer (or 10 s pass); returns the last answer. */
async function until(argv: string[], ready: (run: CliRun) => boolean): Promise<CliRun> {
  let last: CliRun = { code: -1, stdout: '', stderr: '' };
  for (let i = 0; i < 100; i++) {
    last = await runCli(argv);
    if (ready(last)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

describe('proxima status against the real edge in workerd', () => {
  const realEdge = useRealEdge('proxima-status-cli-', ADMIN_TOKEN, {
    bindings: {
      RAFT_TICK_MS: '50',
      get UPSTREAMS() {
        return upstreams();
      },
    },
  });
  let agent: NodeAgent | undefined;

  // Registered after useRealEdge, so it runs first: the agent stops before the edge does.
  afterAll(() => {
    agent?.stop();
  });

  it('shows the connected node, no alerts, the Raft group, and the open breaker of a dead upstream', async () => {
    const edge = realEdge.useFromCli();

    const created = await runCli([
      'admin',
      'node-tokens',
      'create',
      '--node-id',
      'gpu-9',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { token: string };
    agent = new NodeAgent({
      edgeUrl: edge.url,
      token: token.token,
      nodeId: 'gpu-9',
      engine,
      engineName: 'test-engine',
      slots: 3,
      log: silentLogger,
    });
    void agent.run().catch(() => undefined);

    // Five requests for a model only the dead upstream maps: five faults open its breaker.
    const key = await runCli(['admin', 'keys', 'create', '--tenant', 'status-test', '--json']);
    expect(key.code, key.stderr).toBe(0);
    const apiKey = (JSON.parse(key.stdout) as { key: string }).key;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${edge.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'cloud-only', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(503);
      await res.body?.cancel();
    }

    const shown = await until(
      ['status'],
      (r) => r.stdout.includes('\ngpu-9 ') && r.stdout.includes('; every member answered.'),
    );
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]?.startsWith(`Proxima edge ${edge.url} at `)).toBe(true);
    const nodeRow = lines.find((l) => l.startsWith('gpu-9 '))?.split(/\s{2,}/);
    // NODE HEALTH ALERTS DRAINING ENGINE GPU MODELS SLOTS IN_FLIGHT QUEUED VRAM_FREE
    expect(nodeRow).toEqual([
      'gpu-9',
      'healthy',
      '-',
      'no',
      'test-engine',
      'cpu',
      'tiny-test',
      '3',
      '0',
      '0',
      '-',
    ]);
    expect(shown.stdout).toContain(
      '\nNodes: 1 connected (1 healthy, 0 suspect; 0 degraded, 0 draining).\n',
    );
    expect(shown.stdout).toContain('\nAlerts: none.\n');
    expect(shown.stdout).toMatch(
      /\nRegistry \(Raft\): voters 1, 2, 3; learners none; leader [123]; every member answered\.\n/,
    );
    expect(shown.stdout).toMatch(
      /\nRouting, as edge isolate [0-9a-f]{8} sees it \(each isolate keeps/,
    );
    expect(shown.stdout).toMatch(/\nupstream:cloud-a +open \(probe in \d+ s\) +- +0\n/);
    expect(shown.stdout).toMatch(/\ncloud-a +cloud-only +0\.2 +0 +0\/4 +open \(probe in \d+ s\)\n/);

    const json = await runCli(['status', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['nodes', 'alerts', 'raft', 'routing']);
    expect(body.alerts).toEqual({ alerts: [], cleared: [] });
    expect(body.routing).toMatchObject({ scope: 'isolate', upstreamsError: null });

    const wrong = await runCli(['status', '--admin-token', 'x'.repeat(40)]);
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toMatch(/^proxima: 401 Missing or wrong admin token\. The admin token/);
  }, 30_000);
});
