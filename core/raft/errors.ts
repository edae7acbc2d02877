// Typed errors. Callers switch on `code`, never on message text.

export const RaftErrorCode = {
  Compacted: 'compacted',
  Unavailable: 'unavailable',
  SnapOutOfDate: 'snapshot-out-of-date',
  SnapshotTemporarilyUnavailable: 'snapshot-temporarily-unavailable',
  ProposalDropped: 'proposal-dropped',
  InvalidConfig: 'invalid-config',
  StepLocalMsg: 'step-local-msg',
  StepPeerNotFound: 'step-peer-not-found',
  InvalidConfChange: 'invalid-conf-change',
} as const;
export type RaftErrorCode = (typeof RaftErrorCode)[keyof typeof RaftErrorCode];

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  constructor(code: RaftErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'RaftError';
    this.code = code;
  }
}

export function isRaftError(e: unknown, code?: RaftErrorCode): e is RaftError {
  return e instanceof RaftError && (code === undefined || e.code === code);
}
