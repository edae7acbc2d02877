import { describe, expect, it } from 'vitest';
import { time } from './admin/format.ts';
import { useRealEdge } from './admin/real-edge.testing.ts';
import { runCli } from './run-cli.testing.ts';

/**
 * `proxima admin` against the REAL edge: the Worker bundled and run in local workerd (Miniflare),
 * as `proxima dev` runs it. No node is connected, so a chat request fails (404), which the edge
 * still counts in usage.
 */

const ADMIN_TOKEN = 'edge-admin-token-for-the-cli-test-0123456789';

const run = runCli;

describe('proxima admin against the real edge in workerd', () => {
  const lines: string[] = [];
  const realEdge = useRealEdge('proxima-admin-cli-', ADMIN_TOKEN, {
    onLine: (line) => lines.push(line),
  });

  it('creates a key with limits, lists it, sets tenant limits, revokes it and reads usage', async () => {
    const edge = realEdge.useFromCli();

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
      new RegExp(
        `^${key.id}\\s+acme\\s+ci\\s+chat,models\\s+\\S+ \\S+\\s+never\\s+rpm=100 tokens-per-day=50,000$`,
        'm',
      ),
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
    expect(revoked.stdout).toBe(
      `Revoked API key ${key.id}; every edge isolate refuses it within 1 s.\n`,
    );
    const refused = await fetch(`${edge.url}/v1/models`, {
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(refused.status).toBe(401);
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
    realEdge.useFromCli();

    const created = await run(['admin', 'node-tokens', 'create', '--node-id', 'gpu-1', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { id: string; token: string };
    expect(token.token).toMatch(/^pxn_/);

    const taken = await run(['admin', 'node-tokens', 'create', '--node-id', 'gpu-1']);
    expect(taken).toMatchObject({
      code: 1,
      stderr: "proxima: 409 Node id 'gpu-1' already has a token; revoke it first.\n",
    });

    // Made with --node-id, the token is bound at once: BOUND is its creation time.
    const list = await run(['admin', 'node-tokens', 'list']);
    expect(list.stdout.split('\n')[0]?.split(/\s+/)).toEqual([
      'ID',
      'NAME',
      'NODE',
      'CREATED',
      'BOUND',
    ]);
    const row = new RegExp(
      `^${token.id}\\s+node\\s+gpu-1\\s+(\\S+ \\S+)\\s+(\\S+ \\S+)$`,
      'm',
    ).exec(list.stdout);
    expect(row?.[2]).toBe(row?.[1]);

    const revoked = await run(['admin', 'node-tokens', 'revoke', token.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(
      `Revoked node token ${token.id}; node gpu-1 was not connected; it cannot connect with this token again.\n`,
    );
  }, 15_000);

  it('keys: scopes and expiry are enforced; rotate retires the old key; tenants remove waits for the keys to go', async () => {
    const url = realEdge.useFromCli().url;
    const get = (key: string) =>
      fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then(
        (r) => r.status,
      );
    const chat = (key: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      }).then((r) => r.status);

    const before = Date.now();
    const created = await run([
      'admin',
      'keys',
      'create',
      '--tenant',
      'labs',
      '--name',
      'lister',
      '--scopes',
      'models',
      '--expires-in',
      '2h',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as {
      id: string;
      key: string;
      scopes: unknown;
      expiresAt: number;
    };
    expect(key.scopes).toEqual(['models']);
    expect(key.expiresAt).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(key.expiresAt).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    // The models scope only: the model list answers, chat is forbidden.
    expect([await get(key.key), await chat(key.key)]).toEqual([200, 403]);

    const listed = await run(['admin', 'keys', 'list', '--tenant', 'labs']);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^${key.id}\\s+labs\\s+lister\\s+models\\s+\\S+ \\S+\\s+${time(key.expiresAt)}\\s+none$`,
        'm',
      ),
    );

    const rotated = await run(['admin', 'keys', 'rotate', key.id]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain('shown only this once');
    const [summary, revoked, secret, rest] = rotated.stdout.split('\n');
    const newId = /^Created API key (key_[0-9a-f]{12}) to replace /.exec(summary ?? '')?.[1] ?? '';
    expect(summary).toBe(
      `Created API key ${newId} to replace ${key.id} (tenant labs, name lister; scopes models; expires ${time(key.expiresAt)}; limits: none).`,
    );
    expect(revoked).toBe(`Revoked API key ${key.id}: every edge isolate refuses it within 1 s.`);
    expect(secret).toMatch(/^pxk_/);
    expect(rest).toBe('');
    expect([await get(key.key), await get(secret ?? '')]).toEqual([401, 200]);
    const after = await run(['admin', 'keys', 'list', '--tenant', 'labs']);
    expect(after.stdout).toContain(newId);
    expect(after.stdout).not.toContain(key.id);

    const blocked = await run(['admin', 'tenants', 'remove', 'labs']);
    expect(blocked).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "proxima: 409 Tenant 'labs' still has 1 API key; revoke it first. List its keys with: proxima admin keys list --tenant labs\n",
    });
    expect((await run(['admin', 'keys', 'revoke', newId])).code).toBe(0);
    const removed = await run(['admin', 'tenants', 'remove', 'labs']);
    expect(removed).toEqual({
      code: 0,
      stdout: 'Removed tenant labs and its limits.\n',
      stderr: '',
    });
    expect((await run(['admin', 'tenants', 'list'])).stdout).not.toMatch(/^labs\s/m);
    const again = await run(['admin', 'tenants', 'remove', 'labs']);
    expect(again).toMatchObject({ code: 1, stderr: "proxima: 404 No tenant 'labs'.\n" });
  }, 15_000);

  it('a key made with --expires-at stops working at that time and is listed as expired', async () => {
    const url = realEdge.useFromCli().url;
    const at = Date.now() + 1500;
    const created = await run([
      'admin',
      'keys',
      'create',
      '--tenant',
      'brief',
      '--expires-at',
      String(at),
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; expiresAt: number };
    expect(key.expiresAt).toBe(at);
    const models = () =>
      fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key.key}` } }).then(
        (r) => r.status,
      );
    expect(await models()).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, at - Date.now() + 50));
    expect(await models()).toBe(401);
    const listed = await run(['admin', 'keys', 'list', '--tenant', 'brief']);
    expect(listed.stdout).toContain(`${time(at)} (expired)`);
  }, 15_000);

  it('registry hand-over: a fresh edge has no old rows, so the hand-over is complete', async () => {
    realEdge.useFromCli();
    const report = await run(['admin', 'registry', 'hand-over']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toBe('');
    const lines = report.stdout.split('\n');
    expect(lines[0]).toMatch(/^Registry hand-over: complete since \S+ \S+; every row/);
    expect(lines.slice(1, 5).map((l) => l.split(/\s{2,}/))).toEqual([
      ['TABLE', 'ROWS', 'HANDED_OVER', 'REFUSED'],
      ['tenants', '0', '0', '0'],
      ['keys', '0', '0', '0'],
      ['node tokens', '0', '0', '0'],
    ]);
    expect(report.stdout).toContain('The model catalogue (models) and node liveness (nodes)');
  }, 15_000);
});
