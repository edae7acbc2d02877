import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.testing.ts';
import { openAiError, useAdminEnv, useStandInEdge } from './stand-in-edge.testing.ts';

const HOUR = Date.UTC(2025, 0, 31, 9);
const NOT_MIGRATED =
  'The model catalogue (models) and node liveness (nodes) are not handed over: the catalogue rebuilds as nodes reconnect.';

const counts = (rows: number, refused = 0) => ({ rows, handedOver: rows - refused, refused });

useAdminEnv();

describe('proxima admin registry hand-over against a stand-in for the edge admin API', () => {
  const edge = useStandInEdge();

  it('complete: when, the counts per table, what is not handed over; no warning', async () => {
    edge.reply('GET /admin/registry/hand-over', 200, {
      complete: true,
      completedAt: HOUR,
      tenants: counts(2),
      keys: counts(5),
      nodeTokens: counts(1),
      proposals: 0,
      refused: [],
      limitsDropped: [],
      notMigrated: NOT_MIGRATED,
    });
    const result = await runCli(['admin', 'registry', 'hand-over']);
    expect(edge.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /admin/registry/hand-over',
    ]);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'Registry hand-over: complete since 2025-01-31 09:00:00Z; every row of the old registry is in the replicated one.',
        'TABLE        ROWS  HANDED_OVER  REFUSED',
        'tenants         2            2        0',
        'keys            5            5        0',
        'node tokens     1            1        0',
        '',
        `${NOT_MIGRATED}`,
        '',
      ].join('\n'),
    });
  });

  it('incomplete: the refused rows with their messages, the dropped limits, and a warning', async () => {
    edge.reply('GET /admin/registry/hand-over', 200, {
      complete: false,
      completedAt: null,
      tenants: counts(2),
      keys: counts(3, 1),
      nodeTokens: counts(2, 1),
      proposals: 2,
      refused: [
        {
          kind: 'key',
          id: 'key_0123456789ab',
          code: 'key_exists',
          message:
            'Key id key_0123456789ab is taken by another key (same hash prefix); generate a new key.',
        },
        {
          kind: 'nodeToken',
          id: 'ntk_0123456789ab',
          code: 'id_taken',
          message: "Node id 'gpu-1' is bound to another token.",
        },
      ],
      limitsDropped: [{ kind: 'tenant', id: 'acme', stored: '{"requestsPerMinute":-5}' }],
      notMigrated: NOT_MIGRATED,
    });
    const result = await runCli(['admin', 'registry', 'hand-over']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'proxima: the hand-over is not complete: 2 row(s) are still only in the old registry.\n',
    );
    expect(result.stdout).toBe(
      [
        'Registry hand-over: NOT complete; 2 rows refused. They stay in the old registry and are retried each time this report is asked for.',
        'TABLE        ROWS  HANDED_OVER  REFUSED',
        'tenants         2            2        0',
        'keys            3            2        1',
        'node tokens     2            1        1',
        '',
        'Refused rows (resolve each as its message says, then ask for this report again):',
        'KIND        ID                CODE        MESSAGE',
        'key         key_0123456789ab  key_exists  Key id key_0123456789ab is taken by another key (same hash prefix); generate a new key.',
        "node token  ntk_0123456789ab  id_taken    Node id 'gpu-1' is bound to another token.",
        '',
        'Handed over WITHOUT their limits (the stored limits are no longer valid; set them again with keys limits or tenants limits):',
        'KIND    ID    STORED',
        'tenant  acme  {"requestsPerMinute":-5}',
        '',
        'This request proposed 2 rows to the replicated registry.',
        '',
        `${NOT_MIGRATED}`,
        '',
      ].join('\n'),
    );
  });

  it('a 503 while the registry has no leader is printed as the edge says; a malformed report is refused', async () => {
    edge.reply(
      'GET /admin/registry/hand-over',
      503,
      openAiError(
        'The registry is migrating state from the previous version and cannot reach a leader right now; retry shortly.',
        'no_capacity',
      ),
    );
    const busy = await runCli(['admin', 'registry', 'hand-over']);
    expect(busy).toMatchObject({ code: 1, stdout: '' });
    expect(busy.stderr).toMatch(
      /^proxima: 503 The registry is migrating state .* retry shortly\.\n$/,
    );

    edge.reply('GET /admin/registry/hand-over', 200, {
      complete: true,
      completedAt: HOUR,
      tenants: counts(1),
      keys: { rows: 1 },
      nodeTokens: counts(0),
      proposals: 0,
      refused: [],
      limitsDropped: [],
      notMigrated: NOT_MIGRATED,
    });
    const odd = await runCli(['admin', 'registry', 'hand-over']);
    expect(odd.code).toBe(1);
    expect(odd.stderr).toContain('is not a registry hand-over report');
  });

  it('rejects an unknown registry subcommand', async () => {
    const result = await runCli(['admin', 'registry', 'migrate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'migrate'");
  });
});
