import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.testing.ts';
import { openAiError, useAdminEnv, useStandInEdge } from './stand-in-edge.testing.ts';

const HOUR = Date.UTC(2025, 0, 31, 9);
const DAY = 86_400_000;

useAdminEnv();

describe('keys create --scopes/--expires-*, keys rotate: validation (nothing is sent)', () => {
  const edge = ['--edge', 'http://127.0.0.1:9'];
  const create = ['admin', 'keys', 'create', ...edge, '--tenant', 't'];
  const rotate = ['admin', 'keys', 'rotate', ...edge];
  it.each([
    [[...create, '--scopes', 'chat,admin'], 'expected a comma-separated list of chat, models'],
    [[...create, '--scopes', ''], '(at least one)'],
    [[...create, '--scopes', 'chat,'], "got 'chat,'"],
    [[...create, '--scopes', 'models,chat,models'], "'models' is named twice"],
    [[...create, '--expires-in', '1w'], 'duration such as 30m, 24h or 7d'],
    [[...create, '--expires-in', '12345d'], 'up to 4 digits'],
    [[...create, '--expires-in', '0h'], '--expires-in 0h would expire the key at once'],
    [[...create, '--expires-at', 'tomorrow'], 'ISO 8601'],
    [
      [...create, '--expires-at', '2020-01-01T00:00:00Z'],
      '--expires-at 2020-01-01T00:00:00Z (2020-01-01 00:00:00Z) is not in the future',
    ],
    [[...create, '--expires-in', '7d', '--expires-at', '2999-01-01'], 'cannot be used with'],
    [rotate, "missing required argument 'id'"],
    [[...rotate, 'ntk_0123456789ab'], 'key_0123456789ab'],
    [[...rotate, 'key_0123456789ab', '--expires-at', '1000'], 'is not in the future'],
    [[...rotate, 'key_0123456789ab', '--expires-in', '2x'], 'duration such as 30m'],
    [[...rotate, 'key_0123456789ab', '--scopes', 'chat'], "unknown option '--scopes'"],
  ])('rejects %j with a clear message', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('keys create and rotate against a stand-in for the edge admin API', () => {
  const edge = useStandInEdge();

  const created = (expiresAt: number | null, scopes: string[]) => ({
    id: 'key_00000000000a',
    tenant: 'acme',
    name: 'ci',
    createdAt: HOUR,
    expiresAt,
    limits: {},
    scopes,
    key: 'pxk_secret_value_123456',
  });

  it('create --scopes sends them in the edge order; --expires-in sends now + the duration', async () => {
    const before = Date.now();
    edge.reply('POST /admin/api-keys', 201, created(Date.UTC(2999, 0, 1), ['models']));
    const result = await runCli([
      'admin',
      'keys',
      'create',
      '--tenant',
      'acme',
      '--scopes',
      ' models ',
      '--expires-in',
      '7d',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const body = edge.requests[0]?.body as { scopes: unknown; expiresAt: number };
    expect(body.scopes).toEqual(['models']);
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + 7 * DAY);
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    expect(result.stdout).toBe(
      'Created API key key_00000000000a (tenant acme, name ci; scopes models; expires 2999-01-01 00:00:00Z; limits: none).\n' +
        'pxk_secret_value_123456\n',
    );
  });

  it('create --scopes models,chat --expires-at sends both scopes and the time in ms', async () => {
    edge.reply('POST /admin/api-keys', 201, created(Date.UTC(2999, 0, 1), ['chat', 'models']));
    const result = await runCli([
      'admin',
      'keys',
      'create',
      '--tenant',
      'acme',
      '--scopes',
      'models,chat',
      '--expires-at',
      '2999-01-01T00:00:00Z',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(edge.requests[0]?.body).toEqual({
      tenant: 'acme',
      scopes: ['chat', 'models'],
      expiresAt: Date.UTC(2999, 0, 1),
    });
  });

  it("create: the edge's 400 for a time it finds past (its clock) is printed as it says", async () => {
    edge.reply(
      'POST /admin/api-keys',
      400,
      openAiError(
        'expiresAt 32503680000000 is not after 32503680000001 (ms since the epoch): the key would never authenticate.',
        'invalid_request',
      ),
    );
    const result = await runCli([
      'admin',
      'keys',
      'create',
      '--tenant',
      'acme',
      '--expires-at',
      '32503680000000',
    ]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'proxima: 400 expiresAt 32503680000000 is not after 32503680000001 (ms since the epoch): the key would never authenticate.\n',
    });
  });

  it('rotate: POSTs to :id/rotate, prints the new key last, says the old one is revoked, warns on stderr', async () => {
    edge.reply('POST /admin/api-keys/key_00000000000a/rotate', 201, {
      revoked: 'key_00000000000a',
      id: 'key_00000000000b',
      tenant: 'acme',
      name: 'ci',
      createdAt: HOUR,
      expiresAt: null,
      limits: { requestsPerMinute: 60 },
      scopes: ['chat'],
      key: 'pxk_rotated_secret_000001',
    });
    const result = await runCli(['admin', 'keys', 'rotate', 'key_00000000000a']);
    expect(result.code, result.stderr).toBe(0);
    expect(edge.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/admin/api-keys/key_00000000000a/rotate',
        contentType: 'application/json',
        body: {},
      }),
    ]);
    expect(result.stdout).toBe(
      'Created API key key_00000000000b to replace key_00000000000a (tenant acme, name ci; scopes chat; expires never; limits: rpm=60).\n' +
        'Revoked API key key_00000000000a: every edge isolate refuses it within 1 s.\n' +
        'pxk_rotated_secret_000001\n',
    );
    expect(result.stderr).toBe(
      'proxima: the new key is shown only this once; store it now (the edge keeps only its hash), and give it to every client that used key_00000000000a.\n',
    );
  });

  it('rotate --expires-in sends expiresAt; --json prints the answer and still warns', async () => {
    const before = Date.now();
    edge.reply('POST /admin/api-keys/key_00000000000a/rotate', 201, {
      revoked: 'key_00000000000a',
      ...created(Date.UTC(2999, 0, 1), ['chat', 'models']),
      id: 'key_00000000000c',
    });
    const result = await runCli([
      'admin',
      'keys',
      'rotate',
      'key_00000000000a',
      '--expires-in',
      '30m',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const sent = (edge.requests[0]?.body as { expiresAt: number }).expiresAt;
    expect(sent).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(sent).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
    expect(JSON.parse(result.stdout)).toMatchObject({
      revoked: 'key_00000000000a',
      id: 'key_00000000000c',
      key: 'pxk_secret_value_123456',
    });
    expect(result.stderr).toContain('shown only this once');
  });

  it('rotate: an unknown id is the edge 404; an answer without `revoked` is not a rotation', async () => {
    edge.reply(
      'POST /admin/api-keys/key_00000000000f/rotate',
      404,
      openAiError("No API key 'key_00000000000f'.", 'not_found'),
    );
    edge.reply('POST /admin/api-keys/key_00000000000a/rotate', 201, created(null, ['chat']));
    const missing = await runCli(['admin', 'keys', 'rotate', 'key_00000000000f']);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: "proxima: 404 No API key 'key_00000000000f'.\n",
    });
    const odd = await runCli(['admin', 'keys', 'rotate', 'key_00000000000a']);
    expect(odd.code).toBe(1);
    expect(odd.stdout).toBe('');
    expect(odd.stderr).toContain('is not a rotated API key');
  });
});
