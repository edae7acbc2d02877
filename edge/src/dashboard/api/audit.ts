import type { AuditEntry } from '@proxima/core/dashboard';
import type { Env } from '../../env.ts';
import { auditLogStub, type AuditInput } from '../audit-log.ts';

/**
 * Records an operator's action. An audit that cannot be written is logged loudly but does not undo
 * the action: the action already happened, and the log line is its record then.
 */
export async function audit(env: Env, entry: AuditInput): Promise<AuditEntry | null> {
  try {
    return await auditLogStub(env).append(entry);
  } catch (err) {
    console.error(JSON.stringify({ event: 'audit.lost', ...entry, err: String(err) }));
    return null;
  }
}
