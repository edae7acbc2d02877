import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { openAiError, TOKEN, useAdminEnv, useStandInEdge } from './admin/stand-in-edge.testing.ts';
import { runCli } from './run-cli.testing.ts';

const run = runCli;

useAdminEnv();

describe('proxima admin: flag validation (nothing is sent)', () => {
  const edge = ['--edge', 'http://127.0.0.1:9'];
  it.each([
    [['admin', 'usage'], "required option '--edge <url>'"],
    [['admin', 'usage', '--edge', 'not a url'], 'expected a URL'],
    [['admin', 'usage', '--edge', 'ftp://x'], 'http(s) or ws(s)'],
    [['admin', 'usage', ...edge, '--since', '1w'], 'duration such as 30m, 24h or 7d'],
    [['admin', 'usage', ...edge, '--since', '24h', '--from', '2025-01-01'], 'cannot be used with'],
    [['admin', 'usage', ...edge, '--from', 'yesterday'], 'ISO 8601'],
    [
      ['admin', 'usage', ...edge, '--from', '2025-01-02', '--to', '2025-01-01'],
      'Invalid --from: must be before --to',
    ],
    [['admin', 'usage', ...edge, '--from', '2020-01-01', '--to', '2025-01-01'], 'longer than 400'],
    [['admin', 'usage', ...edge, '--group-by', 'key,region'], 'key, model, backend, hour'],
    [['admin', 'usage', ...edge, '--tenant', 'a b'], '1-64 characters'],
    [['admin', 'keys', 'list', ...edge, '--tenant', 'x'.repeat(65)], '1-64 characters'],
    [['admin', 'keys', 'create', ...edge], "required option '--tenant <tenant>'"],
    [['admin', 'keys', 'create', ...edge, '--tenant', 't', '--name', 'a/b'], '1-64 characters'],
    [['admin', 'keys', 'create', ...edge, '--tenant', 't', '--rpm', '0'], 'from 1 to 10000000'],
    [['admin', 'keys', 'create', ...edge, '--tenant', 't', '--rpm', 'none'], 'integer from 1'],
    [
      ['admin', 'keys', 'create', ...edge, '--tenant', 't', '--tokens-per-day', '1e13'],
      'integer from 1 to 1000000000000',
    ],
    [['admin', 'keys', 'create', ...edge, '--tenant', 't', '--concurrency', '2.5'], 'integer'],
    [['admin', 'keys', 'revoke', ...edge, 'ntk_0123456789ab'], 'key_0123456789ab'],
    [['admin', 'keys', 'revoke', ...edge, 'key_XYZ'], "invalid for argument 'id'"],
    [['admin', 'keys', 'limits', ...edge, 'key_0123456789ab'], 'give at least one of --rpm'],
    [
      ['admin', 'keys', 'limits', ...edge, 'key_0123456789ab', '--tpm', 'off'],
      "or 'none' to remove the limit",
    ],
    [['admin', 'tenants', 'limits', ...edge, 'bad tenant', '--rpm', '5'], '1-64 characters'],
    [['admin', 'tenants', 'limits', ...edge, 'acme'], 'give at least one of --rpm'],
    [['admin', 'node-tokens', 'create', ...edge, '--node-id', 'a b'], '1-128 characters'],
    [['admin', 'node-tokens', 'revoke', ...edge, 'key_0123456789ab'], 'ntk_0123456789ab'],
    [['admin', 'keys', 'renew'], "unknown command 'renew'"],
  ])('rejects %j with a clear message', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('checks an --edge that comes from PROXIMA_EDGE, naming the variable', async () => {
    vi.stubEnv('PROXIMA_EDGE', 'ftp://edge');
    const result = await run(['admin', 'tenants', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("from env 'PROXIMA_EDGE'");
  });

  it('exits 2 naming PROXIMA_ADMIN_TOKEN when there is no admin token', async () => {
    vi.stubEnv('PROXIMA_ADMIN_TOKEN', undefined);
    const result = await run(['admin', 'tenants', 'list', ...edge]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PROXIMA_ADMIN_TOKEN');
  });

  it('exits 2 when the admin token is shorter than any the edge accepts', async () => {
    const result = await run(['admin', 'tenants', 'list', ...edge, '--admin-token', 'short']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--admin-token has 5 characters');
  });

  it('says which URL could not be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await run(['admin', 'keys', 'list', '--edge', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `proxima: could not reach http://127.0.0.1:${port}/admin/api-keys: `,
    );
    expect(result.stderr).toContain('ECONNREFUSED');
  });
});

const HOUR = Date.UTC(2025, 0, 31, 9);

describe('proxima admin against a stand-in for the edge admin API (HTTP round trip)', () => {
  const edge = useStandInEdge();

  it('usage: sends the range, tenant and grouping; prints a table with mean and max latency', async () => {
    edge.reply('GET /admin/usage', 200, {
      from: '2025-01-30T09:00:00.000Z',
      to: '2025-01-31T09:00:00.000Z',
      groupBy: ['model', 'hour'],
      rows: [
        {
          tenant: 'acme',
          model: 'qwen2.5-1.5b',
          hour: HOUR,
          requests: 4,
          promptTokens: 1200,
          completionTokens: 340,
          cacheHits: 1,
          errors: 1,
          latencyMsSum: 1000,
          latencyMsMax: 610,
        },
      ],
    });
    const result = await run([
      'admin',
      'usage',
      '--since',
      '24h',
      '--tenant',
      'acme',
      '--group-by',
      'model,hour,model',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(edge.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/admin/usage',
        query: { since: '24h', tenant: 'acme', group_by: 'model,hour' },
        authorization: `Bearer ${TOKEN}`,
        body: undefined,
      }),
    ]);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Usage from 2025-01-30 09:00:00Z to 2025-01-31 09:00:00Z (UTC):');
    expect(lines[1]?.split(/\s+/)).toEqual([
      'TENANT',
      'MODEL',
      'HOUR',
      'REQUESTS',
      'PROMPT_TOKENS',
      'COMPLETION_TOKENS',
      'CACHE_HITS',
      'ERRORS',
      'MEAN_MS',
      'MAX_MS',
    ]);
    expect(lines[2]?.split(/\s{2,}/)).toEqual([
      'acme',
      'qwen2.5-1.5b',
      '2025-01-31 09:00:00Z',
      '4',
      '1,200',
      '340',
      '1',
      '1',
      '250',
      '610',
    ]);
  });

  it('usage: --from/--to go as given; an empty range says so', async () => {
    edge.reply('GET /admin/usage', 200, {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-02T00:00:00.000Z',
      groupBy: [],
      rows: [],
    });
    const result = await run(['admin', 'usage', '--from', '2025-01-01', '--to', '2025-01-02']);
    expect(result.code).toBe(0);
    expect(edge.requests[0]?.query).toEqual({ from: '2025-01-01', to: '2025-01-02' });
    expect(result.stdout).toBe('No usage from 2025-01-01 00:00:00Z to 2025-01-02 00:00:00Z.\n');
  });

  it('keys create: posts tenant, name and limits; prints the key once and warns that it is shown once', async () => {
    edge.reply('POST /admin/api-keys', 201, {
      id: 'key_00000000000a',
      tenant: 'acme',
      name: 'ci',
      createdAt: HOUR,
      expiresAt: null,
      limits: { requestsPerMinute: 60, tokensPerDay: 1_000_000 },
      scopes: ['chat', 'models'],
      key: 'pxk_secret_value_123456',
    });
    const result = await run([
      'admin',
      'keys',
      'create',
      '--tenant',
      'acme',
      '--name',
      'ci',
      '--rpm',
      '60',
      '--tokens-per-day',
      '1000000',
    ]);
    expect(result.code).toBe(0);
    expect(edge.requests[0]).toMatchObject({
      method: 'POST',
      path: '/admin/api-keys',
      contentType: 'application/json',
      body: {
        tenant: 'acme',
        name: 'ci',
        limits: { requestsPerMinute: 60, tokensPerDay: 1_000_000 },
      },
    });
    expect(result.stdout).toBe(
      'Created API key key_00000000000a (tenant acme, name ci; scopes chat,models; expires never; limits: rpm=60 tokens-per-day=1,000,000).\n' +
        'pxk_secret_value_123456\n',
    );
    expect(result.stdout.split('pxk_secret_value_123456')).toHaveLength(2);
    expect(result.stderr).toContain('shown only this once');
  });

  it('keys create without limits sends no limits field', async () => {
    edge.reply('POST /admin/api-keys', 201, {
      id: 'key_00000000000b',
      tenant: 't',
      name: 'key',
      createdAt: HOUR,
      expiresAt: null,
      limits: {},
      scopes: ['chat', 'models'],
      key: 'pxk_other_secret_0001',
    });
    const result = await run(['admin', 'keys', 'create', '--tenant', 't', '--json']);
    expect(result.code).toBe(0);
    expect(edge.requests[0]?.body).toEqual({ tenant: 't' });
    // --json prints the edge's answer as is (the key included); the warning still goes to stderr.
    expect(JSON.parse(result.stdout)).toMatchObject({ key: 'pxk_other_secret_0001' });
    expect(result.stderr).toContain('shown only this once');
  });

  it('keys list: filters by tenant; prints scopes, expiry (marking the past) and limits in flag names', async () => {
    const FAR = Date.UTC(2999, 0, 1);
    edge.reply('GET /admin/api-keys', 200, {
      keys: [
        {
          id: 'key_00000000000a',
          tenant: 'acme',
          name: 'ci',
          createdAt: HOUR,
          expiresAt: null,
          limits: {},
          scopes: ['chat', 'models'],
        },
        {
          id: 'key_00000000000b',
          tenant: 'acme',
          name: 'batch',
          createdAt: HOUR,
          expiresAt: HOUR + 3_600_000,
          limits: { concurrentRequests: 2, tokensPerMonth: 5_000_000 },
          scopes: ['chat'],
        },
        {
          id: 'key_00000000000c',
          tenant: 'acme',
          name: 'lister',
          createdAt: HOUR,
          expiresAt: FAR,
          limits: {},
          scopes: ['models'],
        },
      ],
    });
    const result = await run(['admin', 'keys', 'list', '--tenant', 'acme']);
    expect(result.code).toBe(0);
    expect(edge.requests[0]?.query).toEqual({ tenant: 'acme' });
    expect(result.stdout.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['ID', 'TENANT', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'LIMITS'],
      ['key_00000000000a', 'acme', 'ci', 'chat,models', '2025-01-31 09:00:00Z', 'never', 'none'],
      [
        'key_00000000000b',
        'acme',
        'batch',
        'chat',
        '2025-01-31 09:00:00Z',
        '2025-01-31 10:00:00Z (expired)',
        'concurrency=2 tokens-per-month=5,000,000',
      ],
      [
        'key_00000000000c',
        'acme',
        'lister',
        'models',
        '2025-01-31 09:00:00Z',
        '2999-01-01 00:00:00Z',
        'none',
      ],
      [''],
    ]);
  });

  it('keys list: an answer without scopes or expiresAt (an edge from before the registry moved) is refused', async () => {
    edge.reply('GET /admin/api-keys', 200, {
      keys: [{ id: 'key_00000000000a', tenant: 'acme', name: 'ci', createdAt: HOUR, limits: {} }],
    });
    const result = await run(['admin', 'keys', 'list']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('is not a list of API keys');
  });

  it('keys limits: a number sets a limit, none sends null', async () => {
    edge.reply('PATCH /admin/api-keys/key_00000000000a', 200, {
      id: 'key_00000000000a',
      limits: { tokensPerMinute: 20_000 },
    });
    const result = await run([
      'admin',
      'keys',
      'limits',
      'key_00000000000a',
      '--rpm',
      'none',
      '--tpm',
      '20000',
    ]);
    expect(result.code).toBe(0);
    expect(edge.requests[0]).toMatchObject({
      method: 'PATCH',
      body: { limits: { requestsPerMinute: null, tokensPerMinute: 20_000 } },
    });
    expect(result.stdout).toBe(
      'API key key_00000000000a limits: tpm=20,000 (in effect within 1 s).\n',
    );
  });

  it('keys revoke: DELETE by id; an edge error prints "proxima: <status> <message>" and exits 1', async () => {
    edge.reply('DELETE /admin/api-keys/key_00000000000a', 200, {
      id: 'key_00000000000a',
      revoked: true,
    });
    edge.reply(
      'DELETE /admin/api-keys/key_00000000000f',
      404,
      openAiError("No API key 'key_00000000000f'.", 'not_found'),
    );
    const ok = await run(['admin', 'keys', 'revoke', 'key_00000000000a']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(
      'Revoked API key key_00000000000a; every edge isolate refuses it within 1 s.\n',
    );
    const missing = await run(['admin', 'keys', 'revoke', 'key_00000000000f']);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: "proxima: 404 No API key 'key_00000000000f'.\n",
    });
    expect(edge.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /admin/api-keys/key_00000000000a',
      'DELETE /admin/api-keys/key_00000000000f',
    ]);
  });

  it('a wrong admin token is the edge 401, exit 1; --admin-token overrides the environment', async () => {
    const result = await run([
      'admin',
      'tenants',
      'list',
      '--admin-token',
      'wrong-token-wrong-token-wrong-token-00',
    ]);
    expect(result).toMatchObject({
      code: 1,
      stderr: 'proxima: 401 Missing or wrong admin token.\n',
    });
    expect(edge.requests[0]?.authorization).toBe('Bearer wrong-token-wrong-token-wrong-token-00');
  });

  it('an error that is not OpenAI JSON (a proxy page) is still reported with its status', async () => {
    edge.reply('GET /admin/tenants', 502, null, '<html><body>Bad gateway</body></html>');
    const result = await run(['admin', 'tenants', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^proxima: 502 Bad Gateway \(not an OpenAI error body: '<html>/);
  });

  it('a 200 that is not the admin API (wrong --edge) fails with a message, not a broken table', async () => {
    edge.reply('GET /admin/tenants', 200, { hello: 'world' });
    const result = await run(['admin', 'tenants', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a list of tenants; is --edge the Proxima edge?');
  });

  it('tenants list and tenants limits', async () => {
    edge.reply('GET /admin/tenants', 200, {
      tenants: [
        {
          tenant: 'acme',
          limits: { requestsPerMinute: 600 },
          keys: 3,
          createdAt: HOUR,
          updatedAt: HOUR,
        },
        { tenant: 'labs', limits: {}, keys: 12, createdAt: HOUR, updatedAt: HOUR },
      ],
    });
    edge.reply('PATCH /admin/tenants/acme', 200, {
      tenant: 'acme',
      limits: { concurrentRequests: 8 },
    });
    const list = await run(['admin', 'tenants', 'list']);
    expect(list.stdout).toBe(
      ['TENANT  KEYS  LIMITS', 'acme       3  rpm=600', 'labs      12  none', ''].join('\n'),
    );
    const set = await run([
      'admin',
      'tenants',
      'limits',
      'acme',
      '--rpm',
      'none',
      '--concurrency',
      '8',
    ]);
    expect(set.code).toBe(0);
    expect(edge.requests[1]).toMatchObject({
      method: 'PATCH',
      path: '/admin/tenants/acme',
      body: { limits: { requestsPerMinute: null, concurrentRequests: 8 } },
    });
    expect(set.stdout).toBe('Tenant acme limits: concurrency=8 (in effect within 1 s).\n');
  });

  it('node-tokens create, list and revoke (which says the node was disconnected)', async () => {
    edge.reply('POST /admin/node-tokens', 201, {
      id: 'ntk_00000000000c',
      name: 'rack-1',
      nodeId: 'gpu-1',
      createdAt: HOUR,
      boundAt: HOUR,
      token: 'pxn_node_secret_00000001',
    });
    edge.reply('GET /admin/node-tokens', 200, {
      tokens: [
        {
          id: 'ntk_00000000000c',
          name: 'rack-1',
          nodeId: 'gpu-1',
          createdAt: HOUR,
          boundAt: HOUR + 60_000,
        },
        { id: 'ntk_00000000000d', name: 'node', nodeId: null, createdAt: HOUR, boundAt: null },
      ],
    });
    edge.reply('DELETE /admin/node-tokens/ntk_00000000000c', 200, {
      id: 'ntk_00000000000c',
      revoked: true,
      nodeId: 'gpu-1',
      disconnected: true,
    });
    const created = await run([
      'admin',
      'node-tokens',
      'create',
      '--node-id',
      'gpu-1',
      '--name',
      'rack-1',
    ]);
    expect(created.code).toBe(0);
    expect(edge.requests[0]?.body).toEqual({ name: 'rack-1', nodeId: 'gpu-1' });
    expect(created.stdout).toContain(
      'Created node token ntk_00000000000c (name rack-1; bound to node gpu-1).',
    );
    expect(created.stdout).toContain('\npxn_node_secret_00000001\n');
    expect(created.stderr).toContain('shown only this once');

    const list = await run(['admin', 'node-tokens', 'list']);
    expect(list.stdout.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['ID', 'NAME', 'NODE', 'CREATED', 'BOUND'],
      ['ntk_00000000000c', 'rack-1', 'gpu-1', '2025-01-31 09:00:00Z', '2025-01-31 09:01:00Z'],
      ['ntk_00000000000d', 'node', '(unbound)', '2025-01-31 09:00:00Z', '-'],
      [''],
    ]);

    const revoked = await run(['admin', 'node-tokens', 'revoke', 'ntk_00000000000c']);
    expect(revoked.stdout).toBe(
      'Revoked node token ntk_00000000000c; node gpu-1 was disconnected.\n',
    );
    expect(edge.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /admin/node-tokens',
      'GET /admin/node-tokens',
      'DELETE /admin/node-tokens/ntk_00000000000c',
    ]);
  });

  it('node-tokens create with no flags sends an empty object', async () => {
    edge.reply('POST /admin/node-tokens', 201, {
      id: 'ntk_00000000000e',
      name: 'node',
      nodeId: null,
      createdAt: HOUR,
      boundAt: null,
      token: 'pxn_node_secret_00000002',
    });
    const result = await run(['admin', 'node-tokens', 'create']);
    expect(result.code).toBe(0);
    expect(edge.requests[0]?.body).toEqual({});
    expect(result.stdout).toContain('binds to the first node that connects with it');
  });

  it('an --edge with a path prefix, or given as ws://, reaches the same admin routes', async () => {
    edge.reply('GET /gw/admin/tenants', 200, { tenants: [] });
    edge.reply('GET /admin/tenants', 200, { tenants: [] });
    const prefixed = await run(['admin', 'tenants', 'list', '--edge', `${edge.url}/gw/`]);
    const ws = await run(['admin', 'tenants', 'list', '--edge', edge.url.replace('http:', 'ws:')]);
    expect([prefixed.code, ws.code]).toEqual([0, 0]);
    expect(edge.requests.map((r) => r.path)).toEqual(['/gw/admin/tenants', '/admin/tenants']);
    expect(ws.stdout).toContain('No tenants');
  });
});
