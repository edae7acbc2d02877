import { afterAll, describe, expect, it } from 'vitest';
import { FatalAgentError, NodeAgent } from '../../agent/agent.ts';
import { silentLogger } from '../../agent/log.ts';
import type { Engine, GenerateEvent } from '../../engine/engine.ts';
import { runCli, type CliRun } from '../run-cli.testing.ts';
import { useRealEdge } from './real-edge.testing.ts';

/**
 * `proxima admin nodes` against the REAL edge in local workerd (Miniflare), with a real node
 * agent connected to it: an engine that serves one model and never generates.
 */

const ADMIN_TOKEN = 'edge-admin-token-for-the-nodes-cli-test-01';

const engine: Engine = {
  models: [{ id: 'tiny-test', contextSize: 64, description: 'test' }],
  info: () => Promise.resolve({ engine: 'test', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  async *generate(): AsyncGenerator<GenerateEvent> {
    await Promise.resolve();
    yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0 } };
  },
  close: () => Promise.resolve(),
};

/** Runs `argv` until `ready` holds for its answer (or 5 s pass); returns the last answer. */
async function until(argv: string[], ready: (run: CliRun) => boolean): Promise<CliRun> {
  let last: CliRun = { code: -1, stdout: '', stderr: '' };
  for (let i = 0; i < 50; i++) {
    last = await runCli(argv);
    if (ready(last)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

describe('proxima admin nodes against the real edge in workerd', () => {
  const realEdge = useRealEdge('proxima-nodes-cli-', ADMIN_TOKEN);
  let agent: NodeAgent | undefined;

  // Registered after useRealEdge, so it runs first: the agent stops before the edge does.
  afterAll(() => {
    agent?.stop();
  });

  it('no node yet; a connected node is listed with what it serves; revoking its token drops it', async () => {
    const edge = realEdge.useFromCli();

    const none = await runCli(['admin', 'nodes']);
    expect(none).toMatchObject({ code: 0, stdout: expect.stringMatching(/^No nodes: /) as string });

    const created = await runCli([
      'admin',
      'node-tokens',
      'create',
      '--node-id',
      'gpu-7',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { id: string; token: string };
    agent = new NodeAgent({
      edgeUrl: edge.url,
      token: token.token,
      nodeId: 'gpu-7',
      engine,
      engineName: 'test-engine',
      slots: 3,
      log: silentLogger,
    });
    // Ends when the revocation below closes the connection for good.
    const running = agent.run().then(
      () => 'stopped',
      (err: unknown) => (err instanceof FatalAgentError ? 'refused' : String(err)),
    );

    const listed = await until(['admin', 'nodes'], (r) => r.stdout.includes('gpu-7'));
    expect(listed.code, listed.stderr).toBe(0);
    const [header, row, end] = listed.stdout.split('\n').map((l) => l.split(/\s{2,}/));
    expect(header).toEqual([
      'NODE',
      'CONNECTED',
      'DRAINING',
      'HEALTH',
      'LOAD',
      'MODELS',
      'ENGINE',
      'GPU',
      'SLOTS',
      'UPDATED',
    ]);
    expect(row?.slice(0, 9)).toEqual([
      'gpu-7',
      'yes',
      'no',
      'healthy', // just connected: no heartbeat is late yet
      '0/3+0',
      'tiny-test',
      'test-engine',
      'cpu',
      '3',
    ]);
    expect(row?.[9]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(end).toEqual(['']);

    const revoked = await runCli(['admin', 'node-tokens', 'revoke', token.id]);
    expect(revoked.stdout).toBe(`Revoked node token ${token.id}; node gpu-7 was disconnected.\n`);
    expect(await running).toBe('refused');
    const after = await until(['admin', 'nodes'], (r) => !r.stdout.includes('gpu-7'));
    expect(after.stdout).toMatch(/^No nodes: /);
  }, 20_000);
});
