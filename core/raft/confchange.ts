// Single-server membership changes: what a change is, how it travels in an entry, how it applies.
import { RaftError, RaftErrorCode } from './errors.ts';
import type { ConfState, NodeId } from './types.ts';

export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode';
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

const TYPE_CODES: readonly ConfChangeType[] = ['addVoter', 'addLearner', 'removeNode'];

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = TYPE_CODES.indexOf(cc.type);
  new DataView(out.buffer).setFloat64(1, cc.nodeId);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const type = TYPE_CODES[data[0] ?? 255];
  if (data.length !== 9 || type === undefined) {
    throw new RaftError(RaftErrorCode.InvalidConfChange, 'malformed conf change entry');
  }
  const nodeId = new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(1);
  return { type, nodeId };
}

/**
 * Applies one change. Each change moves at most one voter, so any majority of the old voters
 * intersects any majority of the new ones (see docs/design/0011-raft-membership.md).
 */
export function applyConfChange(cs: ConfState, cc: ConfChange): ConfState {
  if (!Number.isInteger(cc.nodeId) || cc.nodeId <= 0) {
    throw new RaftError(RaftErrorCode.InvalidConfChange, `invalid node id ${cc.nodeId}`);
  }
  const voters = cs.voters.filter((v) => v !== cc.nodeId);
  const learners = cs.learners.filter((v) => v !== cc.nodeId);
  switch (cc.type) {
    case 'addVoter':
      voters.push(cc.nodeId);
      break;
    case 'addLearner':
      // Demoting a voter straight to learner would move a voter and must be a removal first.
      if (cs.voters.includes(cc.nodeId)) {
        throw new RaftError(
          RaftErrorCode.InvalidConfChange,
          `node ${cc.nodeId} is a voter; remove it first`,
        );
      }
      learners.push(cc.nodeId);
      break;
    case 'removeNode':
      break;
  }
  if (voters.length === 0) {
    throw new RaftError(RaftErrorCode.InvalidConfChange, 'removing the last voter');
  }
  const sort = (a: number, b: number): number => a - b;
  return { voters: voters.sort(sort), learners: learners.sort(sort) };
}
