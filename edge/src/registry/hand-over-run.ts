// One run of the hand-over: proposes every old row not yet handed over, records each as it lands,
// and records the whole hand-over complete once no row is left. Progress is per row, so a run cut
// short (no leader) continues where it stopped, and a row handed over is never proposed again: a
// key revoked in the replicated registry since then stays revoked.
import {
  ALREADY_REGISTERED,
  parseCommand,
  type Refusal,
  type RegistryCommandInput,
} from '@proxima/core/registry';
import {
  NOT_MIGRATED,
  type HandOverReport,
  type LegacyKind,
  type RefusedRow,
  type RowCounts,
} from './hand-over-report.ts';
import { readLegacyRows, type LegacyRow } from './legacy-rows.ts';

/**
 * Puts a command through the replicated registry: applied (a retry's bare "duplicate" included),
 * or refused. Throws when the group has no leader.
 */
export type Propose = (command: RegistryCommandInput) => Promise<{ readonly ok: true } | Refusal>;

/**
 * Refusals that mean "this very secret is there already" (an earlier run's proposal landed but its
 * answer was lost). The same code with another message is a different secret holding the id: a
 * conflict.
 */
const ALREADY_THERE: ReadonlyMap<string, string> = new Map(Object.entries(ALREADY_REGISTERED));

/** The report recorded when the hand-over completed, or null while it has not. */
export function completedReport(sql: SqlStorage): HandOverReport | null {
  const row = sql
    .exec<{ report_json: string }>('SELECT report_json FROM handover WHERE id = 1')
    .toArray()[0];
  // Written only by finish() below, from a HandOverReport.
  return row ? { ...(JSON.parse(row.report_json) as HandOverReport), proposals: 0 } : null;
}

export async function runHandOver(
  storage: DurableObjectStorage,
  propose: Propose,
  now: () => number,
): Promise<HandOverReport> {
  const sql = storage.sql;
  const rows = readLegacyRows(sql);
  const done = doneRefs(sql);
  const refused: RefusedRow[] = [];
  let proposals = 0;
  for (const row of rows) {
    if (done.has(refOf(row))) continue;
    const invalid = validationProblem(row.command);
    if (invalid !== null) {
      refused.push({ kind: row.kind, id: row.id, code: 'invalid_command', message: invalid });
      continue;
    }
    proposals++;
    // Throws when there is no leader: what landed so far is recorded, the rest waits for a retry.
    const result = await propose(row.command);
    if (result.ok || alreadyThere(result)) {
      sql.exec(
        'INSERT OR IGNORE INTO handover_rows (kind, ref, done_at) VALUES (?, ?, ?)',
        row.kind,
        row.ref,
        now(),
      );
      done.add(refOf(row));
    } else {
      refused.push({ kind: row.kind, id: row.id, code: result.code, message: result.message });
    }
  }
  const complete = refused.length === 0;
  const report: HandOverReport = {
    complete,
    completedAt: complete ? now() : null,
    tenants: counts(rows, refused, 'tenant'),
    keys: counts(rows, refused, 'key'),
    nodeTokens: counts(rows, refused, 'nodeToken'),
    proposals,
    refused,
    limitsDropped: rows.flatMap((r) => (r.dropped ? [r.dropped] : [])),
    notMigrated: NOT_MIGRATED,
  };
  if (complete) finish(sql, report);
  return report;
}

function finish(sql: SqlStorage, report: HandOverReport): void {
  sql.exec(
    'INSERT OR IGNORE INTO handover (id, done_at, report_json) VALUES (1, ?, ?)',
    report.completedAt,
    JSON.stringify(report),
  );
}

function alreadyThere(refusal: Refusal): boolean {
  return ALREADY_THERE.get(refusal.code) === refusal.message;
}

/** Why the replicated registry would refuse this row's command outright (a name it does not allow). */
function validationProblem(command: RegistryCommandInput): string | null {
  try {
    parseCommand(command);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : 'invalid registry command';
  }
}

function refOf(row: { readonly kind: LegacyKind; readonly ref: string }): string {
  return `${row.kind}\u0000${row.ref}`;
}

function doneRefs(sql: SqlStorage): Set<string> {
  const rows = sql.exec<{ kind: LegacyKind; ref: string }>('SELECT kind, ref FROM handover_rows');
  return new Set(rows.toArray().map(refOf));
}

function counts(
  rows: readonly LegacyRow[],
  refused: readonly RefusedRow[],
  kind: LegacyKind,
): RowCounts {
  const total = rows.filter((r) => r.kind === kind).length;
  const stuck = refused.filter((r) => r.kind === kind).length;
  return { rows: total, handedOver: total - stuck, refused: stuck };
}
