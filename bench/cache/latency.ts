// Lookup latency of one CacheStore at 10k / 100k / 1M entries with a realistic shape: 30 % of the
// entries in 10 hot scopes (an FAQ-like tenant), the rest in many scopes of 1–7 entries (one per
// conversation). Vectors are random unit vectors around the embedded prompts of the near-miss set
// (Gaussian noise, cos ≈ 0.6 to their prompt), drawn from a precomputed Gaussian table so that a
// million of them take seconds.
import { CacheStore, CACHE_DEFAULTS } from '@proxima/core/cache';
import { gaussian, seededRng, type Rng, type VectorKernels } from '@proxima/core/lsh';
import { percentile } from '../gateway/stats.ts';

export interface LatencyResult {
  readonly entries: number;
  readonly scopes: number;
  readonly lshScopes: number;
  readonly buildMs: number;
  readonly heapMb: number;
  readonly externalMb: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p99HotMs: number;
  readonly p99SmallMs: number;
  readonly maxMs: number;
  /** p99 of the fastest of three runs of each lookup: the lookup's own cost without preemption. */
  readonly p99BestOf3Ms: number;
  /** Share of the hit lookups that found the entry they were derived from. */
  readonly hitRecall: number;
  /** Share of the miss lookups that (wrongly) hit. */
  readonly missHits: number;
}

const HOT_SCOPES = 10;
const HOT_SHARE = 0.3;
const LOOKUPS = 2000;
const NOISE = 0.085; // per dimension: |noise| ≈ 1.36, so cos(entry, its prompt) ≈ 0.6

/** A table of Gaussians and a cheap index into it. */
function noiseSource(rng: Rng): () => number {
  const table = new Float32Array(1 << 16);
  for (let i = 0; i < table.length; i++) table[i] = gaussian(rng);
  let x = (rng.next() * 2 ** 32) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return table[(x >>> 0) & 0xffff]!;
  };
}

/** A unit vector near `centre` (noise σ per dimension), written into `out`. */
function around(
  centre: Float32Array,
  sigma: number,
  noise: () => number,
  out = new Float32Array(centre.length),
): Float32Array {
  let s = 0;
  for (let i = 0; i < out.length; i++) {
    const x = centre[i]! + sigma * noise();
    out[i] = x;
    s += x * x;
  }
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}

const mb = (b: number): number => Math.round(b / 1048576);

export function measureLatency(
  n: number,
  prompts: readonly { text: string; vector: Float32Array }[],
  kernels: VectorKernels,
  gc: () => void,
): LatencyResult {
  const rng = seededRng(n);
  const noise = noiseSource(rng);
  gc();
  const before = process.memoryUsage();
  const cache = new CacheStore({ kernels, capacity: n });
  const hot = Math.round(n * HOT_SHARE);
  // Every entry: its scope and its prompt; a sample keeps the vectors for the hit lookups.
  const sampleEvery = Math.max(1, Math.floor(n / LOOKUPS));
  const sample: {
    scope: string;
    prompt: string;
    vector: Float32Array;
    id: string;
    hot: boolean;
  }[] = [];
  let smallScope = 0;
  let leftInScope = 0;
  const scratch = new Float32Array(prompts[0]!.vector.length);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    let scope: string;
    if (i < hot) scope = `hot-${i % HOT_SCOPES}`;
    else {
      if (leftInScope === 0) {
        smallScope++;
        leftInScope = 1 + Math.floor(rng.next() * 7);
      }
      leftInScope--;
      scope = `conv-${smallScope}`;
    }
    const p = prompts[Math.floor(rng.next() * prompts.length)]!;
    // One buffer for all entries (put copies it); the sampled entries keep a copy.
    const vector = around(p.vector, NOISE, noise, scratch);
    const id = `e${i}`;
    cache.put(
      {
        id,
        scope,
        exact: `${p.text} #${i}`,
        prompt: p.text,
        vector,
        expiresAt: 1e12,
        tags: [],
        sources: [],
      },
      i,
    );
    if (i % sampleEvery === 0)
      sample.push({ scope, prompt: p.text, vector: vector.slice(), id, hot: i < hot });
  }
  const buildMs = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  const times: number[] = [];
  const best: number[] = [];
  const hotTimes: number[] = [];
  const smallTimes: number[] = [];
  let found = 0;
  let wrongHits = 0;
  for (let j = 0; j < LOOKUPS; j++) {
    const s = sample[Math.floor(rng.next() * sample.length)]!;
    const isHit = j % 2 === 0;
    // A hit: the entry's question with a filler word, its vector nudged (cos ≈ 0.97). A miss: a
    // fresh vector around another prompt in the same scope.
    const vector = isHit
      ? around(s.vector, 0.015, noise)
      : around(prompts[Math.floor(rng.next() * prompts.length)]!.vector, NOISE, noise);
    const q = {
      scope: s.scope,
      exact: `lookup ${j}`,
      prompt: isHit ? `${s.prompt} please` : 'an unrelated question',
      vector,
      mode: 'semantic' as const,
      threshold: CACHE_DEFAULTS.threshold,
      now: n + j,
    };
    const t = process.hrtime.bigint();
    const r = cache.lookup(q);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    times.push(ms);
    let fastest = ms;
    for (let k = 0; k < 2; k++) {
      const t2 = process.hrtime.bigint();
      cache.lookup(q);
      fastest = Math.min(fastest, Number(process.hrtime.bigint() - t2) / 1e6);
    }
    best.push(fastest);
    (s.hot ? hotTimes : smallTimes).push(ms);
    if (isHit && r.kind === 'semantic_hit' && r.id === s.id) found++;
    if (!isHit && r.kind !== 'miss') wrongHits++;
  }
  const stats = cache.stats();
  return {
    entries: stats.entries,
    scopes: stats.scopes,
    lshScopes: stats.lshScopes,
    buildMs,
    heapMb: mb(after.heapUsed - before.heapUsed),
    externalMb: mb(after.arrayBuffers - before.arrayBuffers),
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    p99HotMs: percentile(hotTimes, 99),
    p99SmallMs: percentile(smallTimes, 99),
    maxMs: Math.max(...times),
    p99BestOf3Ms: percentile(best, 99),
    hitRecall: found / (LOOKUPS / 2),
    missHits: wrongHits / (LOOKUPS / 2),
  };
}
