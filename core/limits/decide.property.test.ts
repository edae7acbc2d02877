// Properties of decide + release driven the way the Limiter DO drives them: one tenant, several
// keys, each key's scope kept apart, one lease list for the tenant.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { WINDOW_MS } from './gcra.ts';
import { release } from './release.ts';
import { FRESH_SCOPE, type Lease, type ScopeState } from './state.ts';
import type { AcquireResult, LimitScopes, RateLimits } from './types.ts';

const T0 = Date.parse('2026-11-30T23:58:00Z'); // runs cross midnight: day counters roll over
const KEYS = ['a', 'b'] as const;

type Op =
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'acquire'; readonly key: string; readonly tokens: number }
  | { readonly kind: 'release'; readonly lease: string; readonly actual: number };

class Tenant {
  now = T0;
  tenant: ScopeState = FRESH_SCOPE;
  readonly keys = new Map<string, ScopeState>();
  leases: readonly Lease[] = [];
  private readonly keyOf = new Map<string, string>();
  private readonly estimateOf = new Map<string, number>();

  private readonly limits: LimitScopes;

  constructor(limits: LimitScopes) {
    this.limits = limits;
  }

  acquire(keyId: string, tokens: number, leaseId: string): AcquireResult {
    const state = {
      tenant: this.tenant,
      key: this.keys.get(keyId) ?? FRESH_SCOPE,
      leases: this.leases,
    };
    const req = {
      keyId,
      model: 'm',
      limits: this.limits,
      estimatedTokens: tokens,
      leaseMs: 20_000,
    };
    const d = decide(state, req, this.now, leaseId);
    if (d.ok) {
      this.tenant = d.state.tenant;
      this.keys.set(keyId, d.state.key);
      this.leases = d.state.leases;
      this.keyOf.set(leaseId, keyId);
      this.estimateOf.set(leaseId, tokens);
    }
    return d.result;
  }

  release(leaseId: string, actualTokens: number): void {
    const keyId = this.keyOf.get(leaseId) ?? 'a';
    const state = {
      tenant: this.tenant,
      key: this.keys.get(keyId) ?? FRESH_SCOPE,
      leases: this.leases,
    };
    const settlement = {
      leaseId,
      keyId,
      estimatedTokens: this.estimateOf.get(leaseId) ?? 0,
      actualTokens,
    };
    const next = release(state, settlement, this.now);
    this.tenant = next.tenant;
    this.keys.set(keyId, next.key);
    this.leases = next.leases;
  }

  snapshot() {
    return { tenant: this.tenant, keys: [...this.keys.entries()].sort(), leases: this.leases };
  }
}

const limitsArb: fc.Arbitrary<RateLimits> = fc.record(
  {
    requestsPerMinute: fc.integer({ min: 1, max: 20 }),
    tokensPerMinute: fc.integer({ min: 50, max: 2000 }),
    concurrentRequests: fc.integer({ min: 1, max: 4 }),
    tokensPerDay: fc.integer({ min: 100, max: 5000 }),
    tokensPerMonth: fc.integer({ min: 100, max: 20_000 }),
  },
  { requiredKeys: [] },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 15_000 }) }),
  fc.record({
    kind: fc.constant('acquire' as const),
    key: fc.constantFrom(...KEYS),
    tokens: fc.integer({ min: 0, max: 600 }),
  }),
  // `lease` is resolved during the run to the oldest unreleased grant.
  fc.record({
    kind: fc.constant('release' as const),
    lease: fc.constant(''),
    actual: fc.integer({ min: 0, max: 800 }),
  }),
);

/** Runs ops; releases pick the oldest unreleased grant. Returns what ran, each with its outcome. */
function execute(limits: LimitScopes, ops: readonly Op[]) {
  const model = new Tenant(limits);
  const open: string[] = [];
  const ran: Array<{ op: Op; result?: AcquireResult; at: number }> = [];
  ops.forEach((op, i) => {
    if (op.kind === 'wait') {
      model.now += op.ms;
      ran.push({ op, at: model.now });
    } else if (op.kind === 'acquire') {
      const result = model.acquire(op.key, op.tokens, `l${i}`);
      if (result.ok) open.push(`l${i}`);
      ran.push({ op, result, at: model.now });
    } else {
      const lease = op.lease || open.shift();
      if (lease === undefined) return;
      if (op.lease) open.splice(open.indexOf(lease), 1);
      model.release(lease, op.actual);
      ran.push({ op: { ...op, lease }, at: model.now });
    }
  });
  return { model, ran };
}

describe('decide properties', () => {
  it('denials are atomic: dropping every denied request changes no grant and no state', () => {
    fc.assert(
      fc.property(limitsArb, limitsArb, fc.array(opArb, { maxLength: 80 }), (tenant, key, ops) => {
        const limits = { tenant, key };
        const first = execute(limits, ops);
        const kept = first.ran.filter((r) => r.result?.ok !== false);
        // Lease ids come from the op index, so replay with the same ids.
        const replayOps: Op[] = [];
        const ids: string[] = [];
        for (const r of kept) {
          replayOps.push(r.op);
          ids.push(r.result?.ok ? r.result.leaseId : '');
        }
        const model = new Tenant(limits);
        replayOps.forEach((op, i) => {
          if (op.kind === 'wait') model.now += op.ms;
          else if (op.kind === 'release') model.release(op.lease, op.actual);
          else expect(model.acquire(op.key, op.tokens, ids[i]!)).toEqual(kept[i]!.result);
        });
        expect(model.snapshot()).toEqual(first.model.snapshot());
      }),
      { numRuns: 300 },
    );
  });

  it('grants honour every request and concurrency limit of both scopes', () => {
    fc.assert(
      fc.property(limitsArb, limitsArb, fc.array(opArb, { maxLength: 120 }), (tenant, key, ops) => {
        const { ran } = execute({ tenant, key }, ops);
        const grants = ran.filter((r) => r.result?.ok && r.op.kind === 'acquire');
        const check = (limits: RateLimits, ofScope: typeof grants) => {
          const rpm = limits.requestsPerMinute;
          if (rpm === undefined) return;
          for (let i = 0; i < ofScope.length; i++)
            for (let j = i; j < ofScope.length; j++) {
              const elapsed = ofScope[j]!.at - ofScope[i]!.at;
              expect(j - i + 1).toBeLessThanOrEqual(rpm + (elapsed / WINDOW_MS) * rpm + 1e-6);
            }
        };
        check(tenant, grants);
        for (const k of KEYS)
          check(
            key,
            grants.filter((g) => g.op.kind === 'acquire' && g.op.key === k),
          );
      }),
      { numRuns: 200 },
    );
  });

  it('never holds more live leases than a concurrency limit allows', () => {
    fc.assert(
      fc.property(limitsArb, limitsArb, fc.array(opArb, { maxLength: 120 }), (tenant, key, ops) => {
        const model = new Tenant({ tenant, key });
        ops.forEach((op, i) => {
          if (op.kind === 'wait') model.now += op.ms;
          else if (op.kind === 'acquire') model.acquire(op.key, op.tokens, `l${i}`);
          const live = model.leases.filter((l) => l.expiresAt > model.now);
          if (tenant.concurrentRequests !== undefined)
            expect(live.length).toBeLessThanOrEqual(tenant.concurrentRequests);
          for (const k of KEYS)
            if (key.concurrentRequests !== undefined)
              expect(live.filter((l) => l.keyId === k).length).toBeLessThanOrEqual(
                key.concurrentRequests,
              );
        });
      }),
    );
  });

  it('release reconciles tokens per minute to what was used', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat(10_000),
        fc.nat(10_000),
        (tpm, est, actual) => {
          fc.pre(est <= tpm && actual <= tpm);
          const model = new Tenant({ tenant: {}, key: { tokensPerMinute: tpm } });
          const granted = model.acquire('a', est, 'l');
          expect(granted.ok).toBe(true);
          model.release('l', actual);
          const probe = model.acquire('a', 0, 'p');
          expect(probe.status.remainingTokens).toBe(tpm - actual);
        },
      ),
    );
  });

  it('release adds the actual tokens to both scopes, per UTC day and month', () => {
    const model = new Tenant({ tenant: {}, key: {} });
    model.acquire('a', 10, 'l1');
    model.release('l1', 7);
    expect(model.tenant).toMatchObject({ day: '2026-11-30', dayTokens: 7, monthTokens: 7 });
    model.now += 3 * 60_000; // past midnight, into December
    model.release('l1', 5); // a lease already gone still counts its tokens
    expect(model.tenant).toMatchObject({
      day: '2026-12-01',
      dayTokens: 5,
      month: '2026-12',
      monthTokens: 5,
    });
    expect(model.keys.get('a')).toMatchObject({ dayTokens: 5, monthTokens: 5 });
  });
});
