import { answeredMaterial, followUpMaterial, type TurnMessage } from '@proxima/core/routing';
import { sha256Hex } from '../auth/hash.ts';
import { TtlCache } from '../ttl-cache.ts';

/**
 * Which backend answered each recent conversation turn, per isolate, keyed by a SHA-256 of the
 * history (core/routing/affinity.ts), so a follow-up turn is routed to the node that holds its KV
 * cache. A miss (another isolate, an expired entry) only costs that cache, never correctness.
 */
const AFFINITY_TTL_MS = 10 * 60_000;
const remembered = new TtlCache<string>({
  ttlMs: AFFINITY_TTL_MS,
  maxEntries: 20_000,
  maxBytes: 4 * 1024 * 1024,
  sizeOf: (key, backend) => key.length * 2 + backend.length * 2 + 64,
});

/** The backend that answered the turn this request follows, if this isolate remembers it. */
export async function affinityFor(
  scope: string,
  messages: readonly TurnMessage[],
): Promise<string | undefined> {
  const material = followUpMaterial(scope, messages);
  if (material === null) return undefined;
  return remembered.get(await sha256Hex(material), Date.now());
}

/** `routerId` answered `messages` with `answer`: the next turn should go there. */
export async function rememberAffinity(
  scope: string,
  messages: readonly TurnMessage[],
  answer: string,
  routerId: string,
): Promise<void> {
  const key = await sha256Hex(answeredMaterial(scope, messages, answer));
  remembered.set(key, routerId, Date.now());
}
