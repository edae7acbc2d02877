import { DurableObject } from 'cloudflare:workers';
import {
  decide,
  HOUR_MS,
  release,
  type AcquireRequest,
  type AcquireResult,
  type Lease,
  type LimiterState,
  type ReleaseRequest,
  type ScopeState,
  type UsageEvent,
  type UsageQuery,
  type UsageRow,
} from '@proxima/core/limits';
import type { Env } from '../env.ts';
import { LIMITER_SCHEMA } from './schema.ts';
import { keyScope, LimiterStore, TENANT_SCOPE } from './store.ts';
import { addUsage, pruneUsage, queryUsage } from './usage.ts';
import {
  checkAcquire,
  checkRelease,
  checkUsageBatch,
  checkUsageEvent,
  checkUsageQuery,
} from './validate.ts';

function refusedUsage(req: AcquireRequest, code: string): UsageEvent {
  return {
    keyId: req.keyId,
    model: req.model,
    backend: 'none',
    promptTokens: 0,
    completionTokens: 0,
    cacheHit: false,
    error: code,
    latencyMs: 0,
  };
}

/**
 * One per tenant (`idFromName(tenant)`): rate limits, budgets and usage of the tenant and its
 * keys. Policy is core's `decide`/`release`; this object feeds them the clock and a lease id, and
 * keeps their state. Scopes and leases are mirrored in memory, so an acquire reads no SQL once a
 * key is known, and every change is written through to SQLite in one transaction, so a restart
 * keeps counters and leases.
 */
export class Limiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly store: LimiterStore;
  private tenant: ScopeState;
  /** Key scopes read so far, by key id. */
  private readonly keys = new Map<string, ScopeState>();
  private leases: readonly Lease[];
  /** Start of the hour in which old usage was last pruned. */
  private prunedHour = -1;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(LIMITER_SCHEMA);
    this.store = new LimiterStore(this.sql);
    this.tenant = this.store.readScope(TENANT_SCOPE);
    this.leases = this.store.readLeases(Date.now());
  }

  /** Checks and, if every limit allows it, commits one request. A denial changes nothing. */
  acquire(req: AcquireRequest): AcquireResult {
    checkAcquire(req);
    const now = Date.now();
    const decision = decide(this.state(req.keyId), req, now, crypto.randomUUID());
    if (!decision.ok) {
      // A refusal changes no limit, but usage counts it (as an error of its class).
      addUsage(this.sql, refusedUsage(req, decision.result.code), now);
      return decision.result;
    }
    const { leaseId } = decision.result;
    const lease = decision.state.leases.find((l) => l.id === leaseId);
    this.commit(req.keyId, decision.state, now, () => {
      if (lease) this.store.insertLease(lease);
    });
    return decision.result;
  }

  /**
   * Ends a request that acquire admitted (or, with a null lease, one that took none): frees the
   * lease, reconciles tokens per minute, counts tokens against budgets and records usage.
   */
  release(req: ReleaseRequest): void {
    checkRelease(req);
    this.settle(req.leaseId, req.estimatedTokens, req.usage);
  }

  /** Records a request that took no lease (refused, or its tenant and key have no limits). */
  recordUsage(event: UsageEvent): void {
    checkUsageEvent(event);
    this.settle(null, 0, event);
  }

  /** Records a batch of such requests (a Worker's buffer); all are checked before any is applied. */
  recordUsageBatch(events: readonly UsageEvent[]): void {
    checkUsageBatch(events);
    for (const event of events) this.settle(null, 0, event);
  }

  /**
   * Usage over [from, to) grouped as asked. The caller names the tenant, which is echoed into the
   * rows: `ctx.id.name` is not promised for every id, so it only cross-checks when present.
   */
  usage(tenant: string, query: UsageQuery): UsageRow[] {
    checkUsageQuery(tenant, query);
    const own = this.ctx.id.name;
    if (own !== undefined && own !== tenant) {
      throw new Error(`Limiter.usage: this is the limiter of another tenant than '${tenant}'`);
    }
    return queryUsage(this.sql, tenant, query);
  }

  private settle(leaseId: string | null, estimatedTokens: number, event: UsageEvent): void {
    const now = Date.now();
    const next = release(
      this.state(event.keyId),
      {
        leaseId,
        keyId: event.keyId,
        estimatedTokens,
        actualTokens: event.promptTokens + event.completionTokens,
      },
      now,
    );
    this.commit(event.keyId, next, now, () => {
      if (leaseId !== null) this.store.deleteLease(leaseId);
      addUsage(this.sql, event, now);
      const hour = Math.floor(now / HOUR_MS);
      if (hour !== this.prunedHour) pruneUsage(this.sql, now);
    });
    this.prunedHour = Math.floor(now / HOUR_MS);
  }

  private state(keyId: string): LimiterState {
    let key = this.keys.get(keyId);
    if (!key) {
      key = this.store.readScope(keyScope(keyId));
      this.keys.set(keyId, key);
    }
    return { tenant: this.tenant, key, leases: this.leases };
  }

  /** Writes the new state and `more` in one transaction; memory follows only if it committed. */
  private commit(keyId: string, state: LimiterState, now: number, more: () => void): void {
    this.ctx.storage.transactionSync(() => {
      this.store.writeScope(TENANT_SCOPE, state.tenant);
      this.store.writeScope(keyScope(keyId), state.key);
      this.store.deleteExpiredLeases(now);
      more();
    });
    this.tenant = state.tenant;
    this.keys.set(keyId, state.key);
    this.leases = state.leases;
  }
}
