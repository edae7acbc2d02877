import { table, time } from './format.ts';
import { expectObject, hasFields, UnexpectedAnswerError } from './views.ts';

/**
 * What GET /admin/registry/hand-over answers (edge/src/registry/hand-over-report.ts), checked for
 * its outline, and how `proxima admin registry hand-over` prints it. Pure: values in, string out.
 */

export interface RowCounts {
  readonly rows: number;
  readonly handedOver: number;
  readonly refused: number;
}

export interface RefusedRow {
  /** 'tenant', 'key' or 'nodeToken'. */
  readonly kind: string;
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

export interface DroppedLimits {
  readonly kind: string;
  readonly id: string;
  /** The stored JSON, clipped by the edge. */
  readonly stored: string;
}

export interface HandOverReport {
  readonly complete: boolean;
  readonly completedAt: number | null;
  readonly tenants: RowCounts;
  readonly keys: RowCounts;
  readonly nodeTokens: RowCounts;
  readonly proposals: number;
  readonly refused: readonly RefusedRow[];
  readonly limitsDropped: readonly DroppedLimits[];
  readonly notMigrated: string;
}

const WHAT = 'a registry hand-over report';
const COUNTS = { rows: 'number', handedOver: 'number', refused: 'number' };
const REFUSED = { kind: 'string', id: 'string', code: 'string', message: 'string' };
const DROPPED = { kind: 'string', id: 'string', stored: 'string' };

export function readHandOver(body: unknown): HandOverReport {
  const report = expectObject<HandOverReport>(
    body,
    {
      complete: 'boolean',
      completedAt: 'number|null',
      tenants: 'object',
      keys: 'object',
      nodeTokens: 'object',
      proposals: 'number',
      refused: 'array',
      limitsDropped: 'array',
      notMigrated: 'string',
    },
    WHAT,
  );
  const wellFormed =
    [report.tenants, report.keys, report.nodeTokens].every((c) => hasFields(c, COUNTS)) &&
    report.refused.every((r) => hasFields(r, REFUSED)) &&
    report.limitsDropped.every((d) => hasFields(d, DROPPED));
  if (!wellFormed) throw new UnexpectedAnswerError(WHAT);
  return report;
}

const KIND: Readonly<Record<string, string>> = {
  tenant: 'tenant',
  key: 'key',
  nodeToken: 'node token',
};
const kind = (value: string) => KIND[value] ?? value;
const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;

function headline(report: HandOverReport): string {
  if (report.complete) {
    const since = report.completedAt === null ? '' : ` since ${time(report.completedAt)}`;
    return `Registry hand-over: complete${since}; every row of the old registry is in the replicated one.\n`;
  }
  return (
    `Registry hand-over: NOT complete; ${rows(report.refused.length)} refused. ` +
    'They stay in the old registry and are retried each time this report is asked for.\n'
  );
}

/** A headline, the counts per table, then the refused rows and the dropped limits, if any. */
export function handOver(report: HandOverReport): string {
  const counts = table<readonly [string, RowCounts]>(
    [
      { header: 'TABLE', value: ([name]) => name },
      { header: 'ROWS', value: ([, c]) => String(c.rows), right: true },
      { header: 'HANDED_OVER', value: ([, c]) => String(c.handedOver), right: true },
      { header: 'REFUSED', value: ([, c]) => String(c.refused), right: true },
    ],
    [
      ['tenants', report.tenants],
      ['keys', report.keys],
      ['node tokens', report.nodeTokens],
    ],
  );
  const sections = [headline(report) + counts];
  if (report.refused.length > 0) {
    sections.push(
      'Refused rows (resolve each as its message says, then ask for this report again):\n' +
        table<RefusedRow>(
          [
            { header: 'KIND', value: (r) => kind(r.kind) },
            { header: 'ID', value: (r) => r.id },
            { header: 'CODE', value: (r) => r.code },
            { header: 'MESSAGE', value: (r) => r.message },
          ],
          report.refused,
        ),
    );
  }
  if (report.limitsDropped.length > 0) {
    sections.push(
      'Handed over WITHOUT their limits (the stored limits are no longer valid; set them again with keys limits or tenants limits):\n' +
        table<DroppedLimits>(
          [
            { header: 'KIND', value: (d) => kind(d.kind) },
            { header: 'ID', value: (d) => d.id },
            { header: 'STORED', value: (d) => d.stored },
          ],
          report.limitsDropped,
        ),
    );
  }
  if (report.proposals > 0)
    sections.push(`This request proposed ${rows(report.proposals)} to the replicated registry.\n`);
  sections.push(`${report.notMigrated}\n`);
  return sections.join('\n');
}
