import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEdgeRuntime, type EdgeRuntime } from '../dev/edge-runtime.ts';
import { runCli } from './run-cli.testing.ts';

/**
 * `proxima admin` against the REAL edge: the Worker bundled and run in local workerd (Miniflare),
 * as `proxima dev` runs it. No node is connected, so a chat request fails (404), which the edge
 * still counts in usage.
 */

const ADMIN_TOKEN = 'edge-admin-token-for-the-cli-test-0123456789';

const run = runCli;

describe('proxima admin against the real edge in workerd', () => {
  let dir = '';
  let edge: EdgeRuntime | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proxima-admin-cli-'));
    edge = await startEdgeRuntime({
      port: 0,
      persistDir: dir,
      adminToken: ADMIN_TOKEN,
      onLine: (line) => lines.push(line),
    });
  }, 30_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await edge?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('creates a key with limits, lists it, sets tenant limits, revokes it and reads usage', async () => {
    if (!edge) throw new Error('the edge did not start');
    vi.stubEnv('PROXIMA_EDGE', edge.url);
    vi.stubEnv('PROXIMA_ADMIN_TOKEN', ADMIN_TOKEN);

    const created = await run([
      'admin',
      'keys',
      'create',
      '--tenant',
      'acme',
      '--name',
      'ci',
      '--rpm',
      '100',
      '--tokens-per-day',
      '50000',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('shown only this once');
    const key = JSON.parse(created.stdout) as { id: string; key: string; limits: unknown };
    expect(key.id).toMatch(/^key_[0-9a-f]{12}$/);
    expect(key.limits).toEqual({ requestsPerMinute: 100, tokensPerDay: 50_000 });

    const listed = await run(['admin', 'keys', 'list', '--tenant', 'acme']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^${key.id}\\s+acme\\s+ci\\s+\\S+ \\S+\\s+rpm=100 tokens-per-day=50,000$`, 'm'),
    );

    const keyLimits = await run([
      'admin',
      'keys',
      'limits',
      key.id,
      '--rpm',
      'none',
      '--tpm',
      '9000',
    ]);
    expect(keyLimits.code, keyLimits.stderr).toBe(0);
    expect(keyLimits.stdout).toContain(`API key ${key.id} limits: tpm=9,000 tokens-per-day=50,000`);

    const tenantLimits = await run(['admin', 'tenants', 'limits', 'acme', '--concurrency', '4']);
    expect(tenantLimits.code, tenantLimits.stderr).toBe(0);
    expect(tenantLimits.stdout).toContain('Tenant acme limits: concurrency=4');
    const tenants = await run(['admin', 'tenants', 'list']);
    expect(tenants.stdout).toMatch(/^acme\s+1\s+concurrency=4$/m);

    // One request with the key: no node serves this model, and the edge records the failure.
    const chat = await fetch(`${edge.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(404);

    const revoked = await run(['admin', 'keys', 'revoke', key.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${key.id}.`);
    const again = await run(['admin', 'keys', 'revoke', key.id]);
    expect(again).toMatchObject({ code: 1, stderr: `proxima: 404 No API key '${key.id}'.\n` });
    expect((await run(['admin', 'keys', 'list'])).stdout).toBe('No API keys.\n');

    // Usage is recorded after the response (waitUntil), so it may take a moment to appear.
    let usage = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 50; i++) {
      usage = await run([
        'admin',
        'usage',
        '--since',
        '1h',
        '--tenant',
        'acme',
        '--group-by',
        'key,model',
      ]);
      if (usage.code !== 0 || !usage.stdout.startsWith('No usage')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(usage.code, usage.stderr).toBe(0);
    const table = usage.stdout.split('\n');
    expect(table[1]?.split(/\s+/)).toEqual([
      'TENANT',
      'KEY',
      'MODEL',
      'REQUESTS',
      'PROMPT_TOKENS',
      'COMPLETION_TOKENS',
      'CACHE_HITS',
      'ERRORS',
      'MEAN_MS',
      'MAX_MS',
    ]);
    expect(table[2]?.split(/\s+/).slice(0, 8)).toEqual([
      'acme',
      key.id,
      'no-such-model',
      '1',
      '0',
      '0',
      '0',
      '1',
    ]);
  }, 15_000);

  it('node tokens: create bound to a node id, list, revoke; a taken node id is the edge 409', async () => {
    if (!edge) throw new Error('the edge did not start');
    vi.stubEnv('PROXIMA_EDGE', edge.url);
    vi.stubEnv('PROXIMA_ADMIN_TOKEN', ADMIN_TOKEN);

    const created = await run(['admin', 'node-tokens', 'create', '--node-id', 'gpu-1', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { id: string; token: string };
    expect(token.token).toMatch(/^pxn_/);

    const taken = await run(['admin', 'node-tokens', 'create', '--node-id', 'gpu-1']);
    expect(taken).toMatchObject({
      code: 1,
      stderr: "proxima: 409 Node id 'gpu-1' already has a token; revoke it first.\n",
    });

    const list = await run(['admin', 'node-tokens', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^${token.id}\\s+node\\s+gpu-1\\s`, 'm'));

    const revoked = await run(['admin', 'node-tokens', 'revoke', token.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(
      `Revoked node token ${token.id}; node gpu-1 was not connected; it cannot connect with this token again.\n`,
    );
  }, 15_000);
});
