import { FailureCounter } from '@proxima/core/limits';
import { TtlCache } from '../ttl-cache.ts';

/**
 * Failed authentication must be cheap for us and useless to an attacker. Per isolate:
 * - an address that keeps failing is refused lookups of secrets this edge has not seen succeed;
 * - a secret that just failed is refused again without asking the registry.
 * A secret that succeeded lately still gets through from a blocked address, so a flood from a
 * shared address (a NAT, or 127.0.0.1 locally) does not lock out its valid users. All bounded.
 */
const failures = new FailureCounter();
export const NEGATIVE_CACHE_TTL_MS = 30_000;
export const GOOD_MEMORY_MS = 15 * 60_000;

const knownBad = new TtlCache<true>({
  ttlMs: NEGATIVE_CACHE_TTL_MS,
  maxEntries: 20_000,
  maxBytes: 4 * 1024 * 1024,
});
const knownGood = new TtlCache<true>({
  ttlMs: GOOD_MEMORY_MS,
  maxEntries: 20_000,
  maxBytes: 4 * 1024 * 1024,
});

/**
 * API keys and node tokens are remembered apart: an API key presented at the node endpoint (or
 * the other way round) must not mark the other kind's secret bad.
 */
export type SecretKind = 'api_key' | 'node_token';

export function secretId(kind: SecretKind, hash: string): string {
  return `${kind}:${hash}`;
}

export type LookupVerdict =
  | { readonly kind: 'lookup' }
  | { readonly kind: 'known_bad' }
  | { readonly kind: 'blocked'; readonly retryAfterSeconds: number };

/** Whether a secret (by `secretId`) from `address` may be looked up in the registry now. */
export function mayLookUp(address: string, secret: string, now: number): LookupVerdict {
  if (knownGood.get(secret, now) === true) return { kind: 'lookup' };
  const ms = failures.blockedFor(address, now);
  if (ms > 0) return { kind: 'blocked', retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
  if (knownBad.get(secret, now) === true) return { kind: 'known_bad' };
  return { kind: 'lookup' };
}

/** A failure from `address`; with the secret when the registry said it does not exist. */
export function recordFailure(address: string, now: number, unknownSecret?: string): void {
  failures.recordFailure(address, now);
  if (unknownSecret === undefined) return;
  knownGood.delete(unknownSecret); // revoked since it last worked
  knownBad.set(unknownSecret, true, now);
}

export function recordSuccess(secret: string, now: number): void {
  knownGood.set(secret, true, now);
}

/** Seconds until `address` may fail again, or 0: for credentials that have no hash (admin token). */
export function blockedSeconds(address: string, now: number): number {
  const ms = failures.blockedFor(address, now);
  return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
}

/** A secret registered through the admin API in this isolate must not stay refused. */
export function forgetKnownBad(secret: string): void {
  knownBad.delete(secret);
}
