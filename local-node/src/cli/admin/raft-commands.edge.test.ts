import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../run-cli.testing.ts';
import { useRealEdge } from './real-edge.testing.ts';

/**
 * `proxima admin raft` against the REAL edge: the Worker bundled and run in local workerd
 * (Miniflare) as `proxima dev` runs it, with 50 ms Raft ticks so elections take about a second.
 */

const ADMIN_TOKEN = 'edge-admin-token-for-the-raft-cli-test-0123';

describe('proxima admin raft against the real edge in workerd', () => {
  const realEdge = useRealEdge('proxima-raft-cli-', ADMIN_TOKEN, {
    bindings: { RAFT_TICK_MS: '50' },
  });

  it('status, add 4, transfer to 4, remove 2; refuses reusing 2 and shrinking below 3 voters', async () => {
    realEdge.useFromCli();

    // The first status boots the peers; they elect a leader within a second or two.
    let status: CliRun = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 100; i++) {
      status = await runCli(['admin', 'raft', 'status']);
      if (status.code === 0 && status.stdout.startsWith('Raft group:')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status.stdout).toMatch(/^Raft group: voters 1, 2, 3; learners none; leader [123]\.\n/);
    expect(status.stdout.split('\n')[1]?.split(/\s+/)).toEqual([
      'PEER',
      'ROLE',
      'LEADER',
      'TERM',
      'COMMIT',
      'APPLIED',
      'NOTE',
    ]);

    const added = await runCli(['admin', 'raft', 'add', '4', '--location-hint', 'weur']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Added peer 4 as a voter: voters 1, 2, 3, 4; learners none;/);

    const moved = await runCli(['admin', 'raft', 'transfer', '4']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toBe('Peer 4 leads: voters 1, 2, 3, 4; learners none; leader 4.\n');

    const removed = await runCli(['admin', 'raft', 'remove', '2']);
    expect(removed).toEqual({
      code: 0,
      stdout: 'Removed peer 2: voters 1, 3, 4; learners none; leader 4.\n',
      stderr: '',
    });

    const reused = await runCli(['admin', 'raft', 'add', '2']);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(
      /^proxima: 409 Peer 2 was removed from the group at .*never reused/,
    );
    const shrink = await runCli(['admin', 'raft', 'remove', '3']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toContain('proxima: 409 Removing voter 3 would leave 2 voters');

    const after = await runCli(['admin', 'raft', 'status']);
    const rows = after.stdout
      .trimEnd()
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['1', 'voter', '4'],
      ['3', 'voter', '4'],
      ['4', 'leader', '4'],
    ]);
  }, 30_000);
});
