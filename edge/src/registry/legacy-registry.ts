import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { RegistryClient } from '../raft/client/registry-client.ts';
import type { HandOverReport } from './hand-over-report.ts';
import { completedReport, runHandOver } from './hand-over-run.ts';
import { migrateRegistry } from './schema.ts';

/**
 * The plain SQLite registry of earlier versions, kept for one job: hand its keys, node tokens and
 * tenants over to the replicated registry once. Exported as `Registry`, since stored Durable Object
 * data is found by class name. Its tables are never written again and stay as a backup.
 */
export class LegacyRegistry extends DurableObject<Env> {
  /** The run under way: concurrent callers share it rather than proposing the same rows twice. */
  private running: Promise<HandOverReport> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Older state directories upgrade first, so their rows read the same as current ones.
    migrateRegistry(ctx.storage);
  }

  /**
   * Hands the stored rows over (those not handed over yet) and reports. Once every row is over,
   * answers the stored report at once. Rejects with the client's 'no_capacity' error when the
   * group has no leader; rows that landed before that stay recorded, and a retry continues.
   */
  handOver(): Promise<HandOverReport> {
    const stored = completedReport(this.ctx.storage.sql);
    if (stored) return Promise.resolve(stored);
    if (!this.running) {
      const client = new RegistryClient(this.env);
      this.running = runHandOver(
        this.ctx.storage,
        (command) => client.propose(command),
        () => Date.now(),
      ).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }
}
