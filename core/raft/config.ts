// Configuration, validated up front so misconfiguration fails at construction with a clear message.
import { RaftError, RaftErrorCode } from './errors.ts';
import type { Rand } from './rand.ts';
import type { Storage } from './storage.ts';
import type { NodeId } from './types.ts';

export type ReadOnlyOption = 'safe' | 'lease-based';

export interface Config {
  readonly id: NodeId;
  /** Ticks without hearing from a leader before campaigning; randomized in [n, 2n). */
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly storage: Storage;
  /** Randomness for election timeouts. */
  readonly rand: Rand;
  /** Last applied index, when restarting. */
  readonly applied?: number;
  /** Byte budget of entries in one MsgApp (at least one entry is always sent). */
  readonly maxSizePerMsg?: number;
  /** Byte budget of committed entries in one Ready. */
  readonly maxCommittedSizePerReady?: number;
  /** Byte budget of uncommitted entries at the leader; further proposals are dropped. 0 = none. */
  readonly maxUncommittedEntriesSize?: number;
  /** Window of unacknowledged MsgApp per follower. */
  readonly maxInflightMsgs?: number;
  /** Byte budget of unacknowledged MsgApp entries per follower. 0 = none. */
  readonly maxInflightBytes?: number;
  /** Snapshot bytes per MsgSnap; stays under a 2 MB storage row. */
  readonly maxSnapshotChunkBytes?: number;
  readonly checkQuorum?: boolean;
  readonly preVote?: boolean;
  readonly readOnlyOption?: ReadOnlyOption;
  readonly disableProposalForwarding?: boolean;
  /**
   * Deliberately broken behaviour, for the tests that prove the checker catches it. Never set in
   * production code.
   */
  readonly unsafeTestingBugs?: { readonly commitPreviousTermByCount?: boolean };
}

export interface ResolvedConfig {
  readonly id: NodeId;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly storage: Storage;
  readonly rand: Rand;
  readonly applied: number;
  readonly maxSizePerMsg: number;
  readonly maxCommittedSizePerReady: number;
  readonly maxUncommittedEntriesSize: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxSnapshotChunkBytes: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly readOnlyOption: ReadOnlyOption;
  readonly disableProposalForwarding: boolean;
  readonly commitPreviousTermByCount: boolean;
}

const MAX_ROW_BYTES = 2 * 1024 * 1024;

function fail(message: string): never {
  throw new RaftError(RaftErrorCode.InvalidConfig, message);
}

function nonNegInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) fail(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

export function validateConfig(c: Config): ResolvedConfig {
  if (!Number.isSafeInteger(c.id) || c.id <= 0) fail(`id must be a positive integer, got ${c.id}`);
  if (!Number.isSafeInteger(c.heartbeatTick) || c.heartbeatTick <= 0) {
    fail(`heartbeatTick must be a positive integer, got ${c.heartbeatTick}`);
  }
  if (!Number.isSafeInteger(c.electionTick) || c.electionTick <= c.heartbeatTick) {
    fail(
      `electionTick (${c.electionTick}) must be an integer greater than heartbeatTick (${c.heartbeatTick})`,
    );
  }
  const maxInflightMsgs = c.maxInflightMsgs ?? 256;
  if (!Number.isSafeInteger(maxInflightMsgs) || maxInflightMsgs <= 0) {
    fail(`maxInflightMsgs must be a positive integer, got ${maxInflightMsgs}`);
  }
  const maxSizePerMsg = nonNegInt('maxSizePerMsg', c.maxSizePerMsg ?? 1024 * 1024);
  const maxInflightBytes = nonNegInt('maxInflightBytes', c.maxInflightBytes ?? 0);
  if (maxInflightBytes > 0 && maxInflightBytes < maxSizePerMsg) {
    fail(`maxInflightBytes (${maxInflightBytes}) must be >= maxSizePerMsg (${maxSizePerMsg})`);
  }
  const chunk = c.maxSnapshotChunkBytes ?? 1024 * 1024;
  if (!Number.isSafeInteger(chunk) || chunk <= 0 || chunk > MAX_ROW_BYTES) {
    fail(`maxSnapshotChunkBytes must be in [1, ${MAX_ROW_BYTES}], got ${chunk}`);
  }
  const checkQuorum = c.checkQuorum ?? false;
  const readOnlyOption = c.readOnlyOption ?? 'safe';
  if (readOnlyOption !== 'safe' && readOnlyOption !== 'lease-based') {
    fail(`readOnlyOption must be 'safe' or 'lease-based', got ${String(readOnlyOption)}`);
  }
  if (readOnlyOption === 'lease-based' && !checkQuorum) {
    fail(
      'lease-based reads require checkQuorum: without it a deposed leader may serve stale reads',
    );
  }
  return {
    id: c.id,
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    storage: c.storage,
    rand: c.rand,
    applied: nonNegInt('applied', c.applied ?? 0),
    maxSizePerMsg,
    maxCommittedSizePerReady: nonNegInt(
      'maxCommittedSizePerReady',
      c.maxCommittedSizePerReady ?? 16 * 1024 * 1024,
    ),
    maxUncommittedEntriesSize: nonNegInt(
      'maxUncommittedEntriesSize',
      c.maxUncommittedEntriesSize ?? 0,
    ),
    maxInflightMsgs,
    maxInflightBytes,
    maxSnapshotChunkBytes: chunk,
    checkQuorum,
    preVote: c.preVote ?? false,
    readOnlyOption,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    commitPreviousTermByCount: c.unsafeTestingBugs?.commitPreviousTermByCount ?? false,
  };
}
