import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openAiError, useAdminEnv, useStandInEdge } from './admin/stand-in-edge.testing.ts';
import { runCli } from './run-cli.testing.ts';

const HOUR = Date.UTC(2025, 0, 31, 9);
const GIB = 1024 ** 3;

const node = (nodeId: string, fields: Record<string, unknown> = {}) => ({
  nodeId,
  session: 1,
  models: ['qwen2.5-1.5b'],
  engine: 'llama.cpp',
  gpu: 'cuda',
  slots: 4,
  connected: true,
  draining: false,
  updatedAt: HOUR,
  health: 'healthy',
  load: { inFlight: 0, queued: 0, vramFreeBytes: 0 },
  alerts: [],
  ...fields,
});

const SLOW = {
  backend: 'gpu-2',
  kind: 'latency',
  metric: 'ttft_ms',
  current: 1530.4,
  baseline: 300.2,
  since: HOUR,
};

const NODES = {
  nodes: [
    node('gpu-1', { load: { inFlight: 3, queued: 2, vramFreeBytes: 7.5 * GIB } }),
    node('gpu-2', {
      models: ['qwen2.5-1.5b', 'llama-3.2-1b'],
      slots: 2,
      draining: true,
      health: 'suspect',
      alerts: [SLOW],
    }),
    node('laptop', { connected: false, health: null, load: null }),
  ],
};
const ALERTS = {
  alerts: [SLOW],
  cleared: [
    {
      backend: 'gpu-1',
      kind: 'errors',
      metric: 'error_rate',
      current: 0.05,
      baseline: 0.01,
      since: HOUR - 600_000,
      clearedAt: HOUR - 300_000,
      reason: 'recovered',
    },
  ],
};
const RAFT = {
  leader: 1,
  voters: [1, 2, 3],
  learners: [],
  peers: [
    { self: 1, leader: 1, term: 3, commit: 10, applied: 10 },
    { self: 2, leader: 1, term: 3, commit: 10, applied: 9 },
    { self: 3, error: 'no answer within 2 s' },
  ],
};
const NOTE = "One edge isolate's view: each isolate keeps its own breakers.";
const ROUTING = {
  scope: 'isolate',
  isolate: '1a2b3c4d',
  note: NOTE,
  at: HOUR,
  backends: [
    {
      id: 'gpu-1',
      latencyMs: 420.4,
      sampled: true,
      breaker: 'closed',
      retryAfterMs: 0,
      consecutiveFailures: 1,
      streak: 0,
      seenAt: HOUR,
    },
    {
      id: 'upstream:cloud-a',
      latencyMs: 500,
      sampled: false,
      breaker: 'open',
      retryAfterMs: 12_300,
      consecutiveFailures: 0,
      streak: 2,
      seenAt: HOUR,
    },
  ],
  total: 2,
  upstreams: [
    {
      name: 'cloud-a',
      backend: 'upstream:cloud-a',
      models: ['llama-3.2-1b'],
      costPer1kTokens: 0.2,
      priority: 0,
      maxConcurrent: 16,
      inFlight: 1,
      breaker: 'open',
      retryAfterMs: 12_300,
      latencyMs: 500,
    },
  ],
  upstreamsError: null,
};

useAdminEnv();

/** What follows the first line (which names the edge and the time now). */
const body = (stdout: string) => stdout.split('\n').slice(1).join('\n');

describe('proxima status against a stand-in for the edge admin API', () => {
  const edge = useStandInEdge();

  const replyAll = () => {
    edge.reply('GET /admin/nodes', 200, NODES);
    edge.reply('GET /admin/alerts', 200, ALERTS);
    edge.reply('GET /admin/raft/status', 200, RAFT);
    edge.reply('GET /admin/routing', 200, ROUTING);
  };

  it("prints nodes, alerts, the Raft group and one isolate's breakers and upstreams", async () => {
    replyAll();
    const result = await runCli(['status']);
    expect(result.code, result.stderr).toBe(0);
    expect(edge.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /admin/alerts',
      'GET /admin/nodes',
      'GET /admin/raft/status',
      'GET /admin/routing',
    ]);
    expect(result.stdout.split('\n')[0]).toMatch(
      new RegExp(`^Proxima edge ${edge.url} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\.$`),
    );
    expect(body(result.stdout)).toBe(
      [
        '',
        'Nodes: 2 connected (1 healthy, 1 suspect; 1 degraded, 1 draining), 1 not connected.',
        'NODE   HEALTH   ALERTS   DRAINING  ENGINE     GPU   MODELS                     SLOTS  IN_FLIGHT  QUEUED  VRAM_FREE',
        'gpu-1  healthy  -        no        llama.cpp  cuda  qwen2.5-1.5b                   4          3       2    7.5 GiB',
        'gpu-2  suspect  latency  yes       llama.cpp  cuda  qwen2.5-1.5b,llama-3.2-1b      2          0       0          -',
        'Not connected: laptop.',
        '',
        'Alerts: 1 active alert; routing sends work to these nodes only when no other has room.',
        'BACKEND  KIND     METRIC    CURRENT  BASELINE  SINCE',
        'gpu-2    latency  ttft_ms  1,530 ms    300 ms  2025-01-31 09:00:00Z',
        'Cleared lately:',
        'BACKEND  KIND    METRIC      SINCE                 CLEARED               REASON',
        'gpu-1    errors  error_rate  2025-01-31 08:50:00Z  2025-01-31 08:55:00Z  recovered',
        '',
        'Registry (Raft): voters 1, 2, 3; learners none; leader 1; unreachable peer 3: no answer within 2 s.',
        '',
        'Routing, as edge isolate 1a2b3c4d sees it (each isolate keeps its own breakers and latencies; another call may reach another isolate):',
        'BACKEND           BREAKER               PEAK_EWMA  FAILURES_IN_A_ROW',
        'gpu-1             closed                   420 ms                  1',
        'upstream:cloud-a  open (probe in 13 s)          -                  0',
        'Upstreams:',
        'NAME     MODELS        COST_PER_1K  PRIORITY  IN_FLIGHT  BREAKER',
        'cloud-a  llama-3.2-1b          0.2         0       1/16  open (probe in 13 s)',
        '',
      ].join('\n'),
    );
  });

  it('a quiet fleet: no alerts, no routing yet, no upstreams, a group without a leader', async () => {
    edge.reply('GET /admin/nodes', 200, { nodes: [node('gpu-1')] });
    edge.reply('GET /admin/alerts', 200, { alerts: [], cleared: [] });
    edge.reply('GET /admin/raft/status', 200, {
      leader: 0,
      voters: [1, 2, 3],
      learners: [],
      peers: [{ self: 1, leader: 0, term: 4, commit: 3, applied: 3 }],
    });
    edge.reply('GET /admin/routing', 200, { ...ROUTING, backends: [], total: 0, upstreams: [] });
    const result = await runCli(['status']);
    expect(result.code, result.stderr).toBe(0);
    expect(body(result.stdout)).toContain('\nAlerts: none.\n');
    expect(body(result.stdout)).toContain(
      '\nRegistry (Raft): no leader (an election may be under way, or a majority is unreachable); every member answered.\n',
    );
    expect(body(result.stdout)).toContain(
      'No backend routed by this isolate yet.\nUpstreams: none configured.\n',
    );
  });

  it('an invalid UPSTREAMS and nodes that never connected are said plainly', async () => {
    edge.reply('GET /admin/nodes', 200, { nodes: [] });
    edge.reply('GET /admin/alerts', 200, { alerts: [], cleared: [] });
    edge.reply('GET /admin/raft/status', 200, RAFT);
    edge.reply('GET /admin/routing', 200, {
      ...ROUTING,
      upstreams: [],
      upstreamsError: 'UPSTREAMS[0].baseUrl: must be https',
    });
    const result = await runCli(['status']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '\nNodes: none has connected yet (a node connects with a token from `proxima admin node-tokens create`).\n',
    );
    expect(result.stdout).toContain(
      '\nUpstreams: off in this isolate, UPSTREAMS is invalid: UPSTREAMS[0].baseUrl: must be https\n',
    );
  });

  it('an older edge without /admin/alerts or /admin/routing, and a failing Raft status: each section says so, exit 0', async () => {
    edge.reply('GET /admin/nodes', 200, NODES);
    edge.reply(
      'GET /admin/raft/status',
      503,
      openAiError('No peer of the registry answered.', 'no_capacity'),
    );
    const result = await runCli(['status']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '\nAlerts: not available from this edge (an older version?): No route /admin/alerts.\n',
    );
    expect(result.stdout).toContain(
      '\nRegistry (Raft): unavailable: 503 No peer of the registry answered.\n',
    );
    expect(result.stdout).toContain(
      '\nRouting: not available from this edge (an older version?): No route /admin/routing.\n',
    );
    expect(result.stdout).toContain('\ngpu-2  suspect  latency');
  });

  it('a section whose answer is not what the edge sends is reported, the rest printed', async () => {
    replyAll();
    edge.reply('GET /admin/routing', 200, { ...ROUTING, backends: [{ id: 7 }] });
    const result = await runCli(['status']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "\nRouting: unavailable: the edge's answer is not an isolate's routing state; is --edge the Proxima edge?\n",
    );
    expect(result.stdout).toContain('\nAlerts: 1 active alert;');
  });

  it('--json prints the four answers as one object, an error in place of a missing one', async () => {
    edge.reply('GET /admin/nodes', 200, NODES);
    edge.reply('GET /admin/alerts', 200, ALERTS);
    edge.reply('GET /admin/raft/status', 200, RAFT);
    const result = await runCli(['status', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      nodes: NODES,
      alerts: ALERTS,
      raft: RAFT,
      routing: { error: { status: 404, message: 'No route /admin/routing.' } },
    });
  });

  it('the edge must answer /admin/nodes like the admin API, or the command fails', async () => {
    edge.reply('GET /admin/nodes', 200, { hello: 'world' });
    const result = await runCli(['status']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('is not a list of nodes; is --edge the Proxima edge?');
  });

  it('a wrong admin token: exit 1, saying which token is meant', async () => {
    replyAll();
    const result = await runCli([
      'status',
      '--admin-token',
      'wrong-token-wrong-token-wrong-token-00',
    ]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      "proxima: 401 Missing or wrong admin token. The admin token (PROXIMA_ADMIN_TOKEN or --admin-token) must be the edge's ADMIN_TOKEN; for a local fleet it is adminToken in .proxima/secrets.json.\n",
    );
  });
});

describe('proxima status without an edge', () => {
  it('says which URL could not be reached and what to check', async () => {
    // Holds its port (a closed one could be taken by another test's server) and drops every
    // connection: no HTTP answer at all, as from an edge that is not there.
    const dropping = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const port = (dropping.address() as AddressInfo).port;
    try {
      const result = await runCli(['status', '--edge', `http://127.0.0.1:${port}`]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(
        new RegExp(
          `^proxima: could not reach http://127\\.0\\.0\\.1:${port}/admin/nodes: .+\\. Is the edge running there\\? \\(\`npm start\` runs a local fleet at http://127\\.0\\.0\\.1:8787\\.\\)\\n$`,
        ),
      );
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });

  it('needs an edge and a token, like the admin commands', async () => {
    const none = await runCli(['status']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("required option '--edge <url>'");
  });
});
