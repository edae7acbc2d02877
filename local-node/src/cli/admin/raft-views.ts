import { table } from './format.ts';
import { UnexpectedAnswerError } from './views.ts';

/**
 * What `/admin/raft/*` answers (edge/src/routes/admin/raft.ts, raft/client/membership-client.ts),
 * checked for its outline, and how `proxima admin raft` prints it. Pure: values in, strings out.
 */

export interface RaftPeerView {
  readonly self: number;
  readonly leader: number;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
}

export interface RaftPeerUnreachable {
  readonly self: number;
  readonly error: string;
}

export interface RaftGroup {
  readonly leader: number;
  readonly voters: readonly number[];
  readonly learners: readonly number[];
}

export interface RaftStatus extends RaftGroup {
  readonly peers: ReadonlyArray<RaftPeerView | RaftPeerUnreachable>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isIdList = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'number');

function isPeer(value: unknown): value is RaftPeerView | RaftPeerUnreachable {
  if (!isRecord(value) || typeof value.self !== 'number') return false;
  if (typeof value.error === 'string') return true;
  return ['leader', 'term', 'commit', 'applied'].every((k) => typeof value[k] === 'number');
}

function readGroup(body: unknown, what: string): RaftGroup {
  if (
    !isRecord(body) ||
    typeof body.leader !== 'number' ||
    !isIdList(body.voters) ||
    !isIdList(body.learners)
  )
    throw new UnexpectedAnswerError(what);
  return { leader: body.leader, voters: body.voters, learners: body.learners };
}

export const readRaft = {
  status(body: unknown): RaftStatus {
    const group = readGroup(body, "the Raft group's status");
    const peers = isRecord(body) ? body.peers : undefined;
    if (!Array.isArray(peers) || !peers.every(isPeer))
      throw new UnexpectedAnswerError("the Raft group's status");
    return { ...group, peers };
  },
  group: (body: unknown): RaftGroup => readGroup(body, "the Raft group's new membership"),
  removed(body: unknown): RaftGroup & { readonly retired: boolean } {
    const group = readGroup(body, "the Raft group's new membership");
    if (!isRecord(body) || typeof body.retired !== 'boolean')
      throw new UnexpectedAnswerError("the Raft group's new membership");
    return { ...group, retired: body.retired };
  },
};

const list = (ids: readonly number[]) => (ids.length === 0 ? 'none' : ids.join(', '));

/** "voters 1, 2, 3; learners none; leader 1" */
export function members(group: RaftGroup): string {
  const leader = group.leader === 0 ? 'no leader' : `leader ${group.leader}`;
  return `voters ${list(group.voters)}; learners ${list(group.learners)}; ${leader}`;
}

function role(group: RaftGroup, id: number): string {
  if (id === group.leader) return 'leader';
  if (group.voters.includes(id)) return 'voter';
  if (group.learners.includes(id)) return 'learner';
  return '-';
}

/** One line on the group, then one row per peer, as the peer itself sees things. */
export function status(report: RaftStatus): string {
  const head =
    report.leader === 0
      ? 'No leader: each peer answered as below (an election may be under way, or a majority is unreachable).\n'
      : `Raft group: ${members(report)}.\n`;
  const num = (key: keyof RaftPeerView) => (p: RaftPeerView | RaftPeerUnreachable) =>
    'error' in p ? '-' : String(p[key]);
  return (
    head +
    table<RaftPeerView | RaftPeerUnreachable>(
      [
        { header: 'PEER', value: (p) => String(p.self), right: true },
        { header: 'ROLE', value: (p) => role(report, p.self) },
        {
          header: 'LEADER',
          value: (p) => ('error' in p || p.leader === 0 ? '-' : String(p.leader)),
          right: true,
        },
        { header: 'TERM', value: num('term'), right: true },
        { header: 'COMMIT', value: num('commit'), right: true },
        { header: 'APPLIED', value: num('applied'), right: true },
        { header: 'NOTE', value: (p) => ('error' in p ? `unreachable: ${p.error}` : '') },
      ],
      report.peers,
    )
  );
}
