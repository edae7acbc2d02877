import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.testing.ts';
import { useAdminEnv, useStandInEdge } from './stand-in-edge.testing.ts';

const HOUR = Date.UTC(2025, 0, 31, 9);

const node = (nodeId: string, fields: Record<string, unknown> = {}) => ({
  nodeId,
  session: 1,
  models: ['qwen2.5-1.5b', 'llama-3.2-1b'],
  engine: 'llama.cpp',
  gpu: 'cuda',
  slots: 4,
  connected: true,
  draining: false,
  updatedAt: HOUR,
  ...fields,
});

useAdminEnv();

describe('proxima admin nodes against a stand-in for the edge admin API', () => {
  const edge = useStandInEdge();

  it('prints one row per node: connected, draining, health, load, models, engine, gpu, slots, updated', async () => {
    edge.reply('GET /admin/nodes', 200, {
      nodes: [
        node('gpu-1', { health: 'healthy', load: { inFlight: 3, queued: 2 } }),
        node('gpu-2', {
          draining: true,
          slots: 12,
          updatedAt: HOUR + 90_000,
          health: 'suspect',
          load: { inFlight: 0, queued: 0 },
        }),
        node('laptop', { connected: false, models: [], engine: '', gpu: 'cpu', slots: 1 }),
      ],
    });
    const result = await runCli(['admin', 'nodes']);
    expect(result.code, result.stderr).toBe(0);
    expect(edge.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /admin/nodes']);
    expect(result.stdout).toBe(
      [
        'NODE    CONNECTED  DRAINING  HEALTH   LOAD    MODELS                     ENGINE     GPU   SLOTS  UPDATED',
        'gpu-1   yes        no        healthy  3/4+2   qwen2.5-1.5b,llama-3.2-1b  llama.cpp  cuda      4  2025-01-31 09:00:00Z',
        'gpu-2   yes        yes       suspect  0/12+0  qwen2.5-1.5b,llama-3.2-1b  llama.cpp  cuda     12  2025-01-31 09:01:30Z',
        'laptop  no         no        -        -       -                          -          cpu       1  2025-01-31 09:00:00Z',
        '',
      ].join('\n'),
    );
  });

  it('no nodes says how one appears; --json prints the answer as is', async () => {
    edge.reply('GET /admin/nodes', 200, { nodes: [] });
    const empty = await runCli(['admin', 'nodes']);
    expect(empty.stdout).toBe(
      'No nodes: none has connected yet (a node connects with a token from node-tokens create).\n',
    );
    const json = await runCli(['admin', 'nodes', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ nodes: [] });
  });

  it('a node whose models are not strings is not the admin API: refused with a message', async () => {
    edge.reply('GET /admin/nodes', 200, { nodes: [node('gpu-1', { models: [1] })] });
    const result = await runCli(['admin', 'nodes']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('is not a list of nodes; is --edge the Proxima edge?');
  });
});
