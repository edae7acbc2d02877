import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.testing.ts';
import { openAiError, useAdminEnv, useStandInEdge } from './stand-in-edge.testing.ts';

useAdminEnv();

describe('proxima admin raft: argument validation (nothing is sent)', () => {
  const edge = ['--edge', 'http://127.0.0.1:9'];
  it.each([
    [['admin', 'raft', 'add', ...edge], "missing required argument 'id'"],
    [['admin', 'raft', 'add', ...edge, '0'], 'expected a peer id, an integer from 1 to 64'],
    [['admin', 'raft', 'add', ...edge, '65'], "an integer from 1 to 64, got '65'"],
    [['admin', 'raft', 'add', ...edge, 'raft-4'], "got 'raft-4'"],
    [['admin', 'raft', 'add', ...edge, '4.5'], "got '4.5'"],
    [['admin', 'raft', 'add', ...edge, '4', '--location-hint', 'mars'], 'one of wnam, enam, sam'],
    [['admin', 'raft', 'add', ...edge, '4', '--location-hint'], 'argument missing'],
    [['admin', 'raft', 'remove', ...edge, '-1'], "got '-1'"],
    [['admin', 'raft', 'remove', ...edge, 'x'], "invalid for argument 'id'"],
    [['admin', 'raft', 'transfer', ...edge], "missing required argument 'id'"],
    [['admin', 'raft', 'transfer', ...edge, '1e1'], "got '1e1'"],
    [['admin', 'raft', 'status', ...edge, '3'], 'too many arguments'],
    [['admin', 'raft', 'promote'], "unknown command 'promote'"],
  ])('rejects %j with a clear message', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('proxima admin raft against a stand-in for the edge admin API', () => {
  const edge = useStandInEdge();

  const peer = (self: number, leader: number, applied = 42) => ({
    self,
    leader,
    term: 7,
    commit: 42,
    applied,
    voters: [1, 2, 3],
    learners: [4],
  });

  it('status: one line on the group, then a row per member with its role', async () => {
    edge.reply('GET /admin/raft/status', 200, {
      leader: 2,
      voters: [1, 2, 3],
      learners: [4],
      peers: [
        peer(1, 2),
        peer(2, 2),
        { self: 3, error: 'Network connection lost.' },
        peer(4, 2, 40),
      ],
    });
    const result = await runCli(['admin', 'raft', 'status']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(edge.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/admin/raft/status', body: undefined }),
    ]);
    expect(result.stdout).toBe(
      [
        'Raft group: voters 1, 2, 3; learners 4; leader 2.',
        'PEER  ROLE     LEADER  TERM  COMMIT  APPLIED  NOTE',
        '   1  voter         2     7      42       42',
        '   2  leader        2     7      42       42',
        '   3  voter         -     -       -        -  unreachable: Network connection lost.',
        '   4  learner       2     7      42       40',
        '',
      ].join('\n'),
    );
  });

  it('status without a leader says so; --json prints the answer as is', async () => {
    const body = { leader: 0, voters: [], learners: [], peers: [peer(1, 0), peer(2, 0)] };
    edge.reply('GET /admin/raft/status', 200, body);
    const text = await runCli(['admin', 'raft', 'status']);
    expect(text.stdout).toMatch(/^No leader: each peer answered as below/);
    const json = await runCli(['admin', 'raft', 'status', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('add: posts the id and the location hint; prints the new membership', async () => {
    edge.reply('POST /admin/raft/peers', 201, {
      added: 4,
      ok: true,
      leader: 1,
      voters: [1, 2, 3, 4],
      learners: [],
    });
    const result = await runCli(['admin', 'raft', 'add', '4', '--location-hint', 'weur']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(edge.requests[0]).toMatchObject({
      method: 'POST',
      path: '/admin/raft/peers',
      contentType: 'application/json',
      body: { id: 4, locationHint: 'weur' },
    });
    expect(result.stdout).toBe(
      'Added peer 4 as a voter: voters 1, 2, 3, 4; learners none; leader 1.\n',
    );
    await runCli(['admin', 'raft', 'add', '5']);
    expect(edge.requests[1]?.body).toEqual({ id: 5 });
  });

  it('remove: DELETE by id; a peer that could not be told to stop is a warning', async () => {
    const group = { ok: true, leader: 1, voters: [1, 3, 4], learners: [] };
    edge.reply('DELETE /admin/raft/peers/2', 200, { removed: 2, retired: true, ...group });
    edge.reply('DELETE /admin/raft/peers/5', 200, { removed: 5, retired: false, ...group });
    const told = await runCli(['admin', 'raft', 'remove', '2']);
    expect(told).toEqual({
      code: 0,
      stdout: 'Removed peer 2: voters 1, 3, 4; learners none; leader 1.\n',
      stderr: '',
    });
    const untold = await runCli(['admin', 'raft', 'remove', '5']);
    expect(untold.code).toBe(0);
    expect(untold.stderr).toContain('peer 5 is out of the group but could not be told to stop');
  });

  it('transfer: posts the voter to lead; the edge refusals are printed with their status', async () => {
    edge.reply('POST /admin/raft/transfer', 200, {
      ok: true,
      leader: 3,
      voters: [1, 2, 3],
      learners: [],
    });
    const moved = await runCli(['admin', 'raft', 'transfer', '3']);
    expect(moved.stdout).toBe('Peer 3 leads: voters 1, 2, 3; learners none; leader 3.\n');
    expect(edge.requests[0]?.body).toEqual({ to: 3 });

    edge.reply(
      'DELETE /admin/raft/peers/1',
      409,
      openAiError(
        'Peer 1 is the leader; transfer leadership to another voter first, then remove it.',
        'conflict',
      ),
    );
    const refused = await runCli(['admin', 'raft', 'remove', '1']);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'proxima: 409 Peer 1 is the leader; transfer leadership to another voter first, then remove it.\n',
    });
  });

  it('an answer that is not the Raft API fails with a message, not a broken table', async () => {
    edge.reply('GET /admin/raft/status', 200, { peers: [] });
    edge.reply('POST /admin/raft/transfer', 200, { leader: '3' });
    const status = await runCli(['admin', 'raft', 'status']);
    expect(status.stderr).toContain("is not the Raft group's status; is --edge the Proxima edge?");
    const transfer = await runCli(['admin', 'raft', 'transfer', '3']);
    expect(transfer.code).toBe(1);
    expect(transfer.stderr).toContain("is not the Raft group's new membership");
  });
});
