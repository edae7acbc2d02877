// What a hand-over of the old registry's rows to the replicated registry reports: plain data, so it
// crosses RPC, is stored as JSON once complete, and is what GET /admin/registry/hand-over answers.
import type { RefusalCode } from '@proxima/core/registry';

/** The old tables whose rows are handed over, in the order they are proposed. */
export type LegacyKind = 'tenant' | 'key' | 'nodeToken';

export interface RowCounts {
  /** Rows in the old table. */
  readonly rows: number;
  /** Rows now in the replicated registry: handed over by this run or an earlier one. */
  readonly handedOver: number;
  /** Rows still only in the old table (each is listed in `refused`). */
  readonly refused: number;
}

/** A row the replicated registry would not take; it stays in the old table and is retried later. */
export interface RefusedRow {
  readonly kind: LegacyKind;
  /** Tenant name, key id or node token id (never a hash). */
  readonly id: string;
  readonly code: RefusalCode;
  readonly message: string;
}

/** A row whose stored limits no longer validate: it is handed over with no limits of its own. */
export interface DroppedLimits {
  readonly kind: 'tenant' | 'key';
  readonly id: string;
  /** The stored JSON, clipped, so an operator can set the limits again by hand. */
  readonly stored: string;
}

export interface HandOverReport {
  /** Every row is in the replicated registry; later calls answer this report without proposing. */
  readonly complete: boolean;
  /** When the hand-over was recorded complete (ms since the epoch); null while rows are refused. */
  readonly completedAt: number | null;
  readonly tenants: RowCounts;
  readonly keys: RowCounts;
  readonly nodeTokens: RowCounts;
  /** Proposals this call made (0 once complete). */
  readonly proposals: number;
  readonly refused: readonly RefusedRow[];
  readonly limitsDropped: readonly DroppedLimits[];
  /** What the hand-over deliberately leaves behind, and why. */
  readonly notMigrated: string;
}

export const NOT_MIGRATED =
  'The model catalogue (models) and node liveness (nodes) are not handed over: the catalogue ' +
  'rebuilds as nodes reconnect and announce their models, and liveness is kept by Presence. ' +
  'The old tables stay untouched as a read-only backup.';
