import { DurableObject } from 'cloudflare:workers';
import type { AuditEntry } from '@proxima/core/dashboard';
import { parseOrThrow } from '@proxima/core/protocol';
import * as z from 'zod';
import type { Env } from '../env.ts';

/** Entries kept; older ones are deleted as new ones arrive. */
export const AUDIT_KEEP = 10_000;
/** Entries one read returns at most. */
export const AUDIT_PAGE_MAX = 500;

const text = (max: number) => z.string().max(max);

/** An entry as the Worker sends it; `at` is stamped by the log. */
export const auditInputSchema = z.object({
  subject: text(128),
  action: text(64),
  target: text(512),
  outcome: z.enum(['ok', 'refused', 'failed']),
  detail: text(1024),
});
export type AuditInput = z.infer<typeof auditInputSchema>;

interface AuditRow extends Record<string, SqlStorageValue> {
  seq: number;
  at: number;
  subject: string;
  action: string;
  target: string;
  outcome: string;
  detail: string;
}

/**
 * The operators' actions taken from the dashboard, append-only, newest read first (one
 * instance, "global"). It holds who did what to which target and how it ended; never a secret.
 */
export class AuditLog extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
         subject TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL,
         detail TEXT NOT NULL)`,
    );
  }

  append(input: unknown): AuditEntry {
    const e = parseOrThrow(auditInputSchema, input, 'audit entry');
    const at = Date.now();
    this.ctx.storage.sql.exec(
      'INSERT INTO audit (at, subject, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)',
      at,
      e.subject,
      e.action,
      e.target,
      e.outcome,
      e.detail,
    );
    this.ctx.storage.sql.exec(
      'DELETE FROM audit WHERE seq <= (SELECT MAX(seq) FROM audit) - ?',
      AUDIT_KEEP,
    );
    return { at, ...e };
  }

  recent(limit: number): AuditEntry[] {
    const n = Math.max(1, Math.min(AUDIT_PAGE_MAX, Math.floor(limit)));
    return this.ctx.storage.sql
      .exec<AuditRow>('SELECT * FROM audit ORDER BY seq DESC LIMIT ?', n)
      .toArray()
      .map((r) => ({
        at: r.at,
        subject: r.subject,
        action: r.action,
        target: r.target,
        outcome: r.outcome as AuditEntry['outcome'],
        detail: r.detail,
      }));
  }
}

export function auditLogStub(env: Env): DurableObjectStub<AuditLog> {
  return env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName('global'));
}
