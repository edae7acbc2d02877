// A seeded 32-bit string hash for feature hashing and term ids: fast and well mixed, not for
// secrets or adversarial keys. core/lsh's fnv1a is a different function (bytes, unseeded, no mix).

/** FNV-1a over UTF-16 code units from a seeded basis, then the murmur3 finaliser to mix. */
export function hash32(seed: number, s: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
