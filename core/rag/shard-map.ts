// The shard directory of one RAG namespace and the rules that change it. Shards are regions of
// vector space: a full shard splits live into two children by 2-means on its own vectors, so each
// shard keeps a centroid, a vector is placed on the shard of the nearest centroid, and a query
// probes the few nearest shards (a bounded number, so query cost does not grow with the corpus).
import * as z from 'zod';
import {
  assignRows,
  LshError,
  trainCentroids,
  type Rng,
  type VectorKernels,
} from '../lsh/index.ts';
import { ProximaError } from '../protocol/errors.ts';
import { ID_PATTERN, ID_RULE, LABEL_PATTERN, LABEL_RULE, quote } from '../protocol/limits.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import { RAG_LIMITS } from './limits.ts';
import { base64ToF32, f32ToBase64 } from './shard-base64.ts';
import { checkedNorm, unitCopy } from './shard-vector.ts';

export const SHARD_LIMITS = {
  /**
   * A shard past this many chunks splits. 20 000 rows of 256-d hold ~8 MB in a ShardEngine (int8
   * codes, cells grown by doubling; 768-d: ~24 MB) plus the BM25 postings (~20 MB at 20 terms a
   * chunk) of a Durable Object's 128 MB; a query at the engine's default 70 % of cells scores
   * ~14 000 of them. The bench loaded 200 000 rows into 16 engines in
   * ~22 s of CPU with the wasm kernels (~0.1 ms a row, k-means trainings included).
   */
  splitAtChunks: 20_000,
  /**
   * How many shards a query probes: every shard whose centroid similarity is within probeDelta of
   * the nearest one, at least probeMinShards and at most probeMaxShards, nearest first. The maximum
   * is the fan-out bound: a query's work never exceeds probeMaxShards shard searches, however large
   * the namespace grows. core/rag/bench/shard-replication.ts, 200 000 rows streamed in and split as
   * the product does: recall@10 against exact search over everything 0.974 (clustered synthetic) /
   * 0.957 (man-page passages), visiting 6.7 / 6.2 shards on average (p99 16 / 14); a fixed P = 4
   * gave 0.85 / 0.86 there, P = 8 0.94 / 0.92. At 100 000 rows in 7 shards bench:rag measured
   * 0.947 with a floor of 2 against 0.972 for a fixed P = 4 in 8 shards: a namespace of few shards
   * gains from visiting at least 4, which costs little (every such query is small).
   */
  probeMinShards: 4,
  probeMaxShards: 16,
  probeDelta: 0.15,
  /**
   * Shards one namespace may hold: 256 × splitAtChunks ≈ 5 M chunks. Ranking 256 centroids per
   * query is negligible, and the encoded directory stays ~350 KB at 256-d (≤ 2 MB, one SQLite row
   * of a Durable Object, up to ~1 500-d). Must stay ≤ the registry's MAX_SHARDS (1024).
   */
  maxShardsPerNamespace: 256,
} as const;

export interface ShardRoute {
  readonly id: string;
  /** Unit-length direction of the shard's region; null: the only shard, which takes everything. */
  readonly centroid: Float32Array | null;
}

export interface ShardDirectory {
  /** Raised by every change, so two racing splits of one namespace cannot both be applied. */
  readonly version: number;
  readonly shards: readonly ShardRoute[];
}

export function rootDirectory(firstShardId: string): ShardDirectory {
  checkShardId(firstShardId, 'firstShardId');
  return { version: 1, shards: [{ id: firstShardId, centroid: null }] };
}

/** The id of the shard whose centroid is nearest v by cosine; ties go to the lowest index. */
export function placeVector(dir: ShardDirectory, v: Float32Array): string {
  const scores = centroidScores(dir, v);
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return dir.shards[best]!.id;
}

/** Which shards a query visits; min = max and delta = 0 is a fixed P. */
export interface ProbePolicy {
  readonly minShards: number;
  readonly maxShards: number;
  /** Also visit a shard whose cosine to the query is within delta of the nearest shard's. */
  readonly delta: number;
}

export const DEFAULT_PROBE_POLICY: ProbePolicy = {
  minShards: SHARD_LIMITS.probeMinShards,
  maxShards: SHARD_LIMITS.probeMaxShards,
  delta: SHARD_LIMITS.probeDelta,
};

/** The fixed policy that visits the p nearest shards. */
export function fixedProbe(p: number): ProbePolicy {
  return { minShards: p, maxShards: p, delta: 0 };
}

/** Throws on a policy that could visit no shard or more than a namespace may hold. */
export function checkProbePolicy(policy: ProbePolicy): void {
  const { minShards, maxShards, delta } = policy;
  const limit = SHARD_LIMITS.maxShardsPerNamespace;
  if (!Number.isInteger(minShards) || minShards < 1 || minShards > limit)
    throw new LshError(
      'bad_params',
      `minShards must be an integer in [1, ${limit}], got ${minShards}`,
    );
  if (!Number.isInteger(maxShards) || maxShards < minShards || maxShards > limit)
    throw new LshError(
      'bad_params',
      `maxShards must be an integer in [minShards (${minShards}), ${limit}], got ${maxShards}`,
    );
  if (!Number.isFinite(delta) || delta < 0 || delta > 2)
    throw new LshError('bad_params', `delta must be a cosine distance in [0, 2], got ${delta}`);
}

/**
 * Indices into `scores` (a query's cosine to each shard centroid) that the policy visits, nearest
 * first, ties to the lower index.
 */
export function chooseProbes(scores: ArrayLike<number>, policy: ProbePolicy): number[] {
  checkProbePolicy(policy);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const first = order[0];
  if (first === undefined) return [];
  const floor = scores[first]! - policy.delta;
  const most = Math.min(policy.maxShards, order.length);
  let take = Math.min(policy.minShards, order.length);
  while (take < most && scores[order[take]!]! >= floor) take++;
  return order.slice(0, take);
}

/** The ids of the shards the policy visits for q, nearest first. */
export function probeShards(dir: ShardDirectory, q: Float32Array, policy: ProbePolicy): string[] {
  return chooseProbes(centroidScores(dir, q), policy).map((i) => dir.shards[i]!.id);
}

/**
 * The two child centroids of a split: 2-means (spherical, seeded by rng) over the shard's rows.
 * Throws when one side would be empty, e.g. when every row is the same vector.
 */
export function planSplit(
  rows: Iterable<Float32Array> | Float32Array,
  dim: number,
  rng: Rng,
  kernels: VectorKernels,
): [Float32Array, Float32Array] {
  if (!Number.isInteger(dim) || dim < 1)
    throw new LshError('bad_params', `dim must be a positive integer, got ${dim}`);
  const units = unitRows(rows, dim);
  const n = units.length / dim;
  if (n < 2) throw new LshError('bad_params', `cannot split ${n} row(s): a split needs two`);
  const centroids = trainCentroids(kernels, units, dim, 2, SPLIT_ITERATIONS, rng);
  const side = new Uint32Array(n);
  assignRows(kernels, units, dim, centroids, side);
  let right = 0;
  for (const s of side) right += s;
  if (right === 0 || right === n)
    throw new LshError(
      'bad_params',
      `cannot split: 2-means put all ${n} rows on one side (are they all the same vector?)`,
    );
  return [centroids.slice(0, dim), centroids.slice(dim, 2 * dim)];
}

/** The directory after parentId split into children: the children take the parent's place. */
export function afterSplit(
  dir: ShardDirectory,
  parentId: string,
  children: readonly [ShardRoute, ShardRoute],
  maxShards: number = SHARD_LIMITS.maxShardsPerNamespace,
): ShardDirectory {
  const at = dir.shards.findIndex((s) => s.id === parentId);
  if (at < 0)
    throw new ProximaError(
      'conflict',
      `Shard ${quote(parentId)} is not in directory version ${dir.version}; was it split already?`,
    );
  if (dir.shards.length + 1 > maxShards)
    throw new ProximaError(
      'payload_too_large',
      `The namespace holds ${dir.shards.length} shards; a split would pass the limit of ${maxShards}.`,
    );
  const ids = new Set(dir.shards.map((s) => s.id));
  const dim =
    dir.shards.find((s) => s.centroid)?.centroid?.length ?? children[0].centroid?.length ?? 0;
  const made = children.map((child, i): ShardRoute => {
    checkShardId(child.id, `children[${i}].id`);
    if (ids.has(child.id))
      throw new ProximaError('conflict', `Shard id ${quote(child.id)} is already in use.`);
    ids.add(child.id);
    const c = child.centroid;
    if (!c) throw new LshError('bad_params', `children[${i}] has no centroid`);
    return { id: child.id, centroid: unitCopy(c, dim, `children[${i}].centroid`) };
  });
  const [a, b] = made as [ShardRoute, ShardRoute];
  // Equal children would route nothing to the second one.
  if (a.centroid!.every((x, i) => x === b.centroid![i]))
    throw new LshError('bad_params', 'the two children have the same centroid');
  return {
    version: dir.version + 1,
    shards: [...dir.shards.slice(0, at), ...made, ...dir.shards.slice(at + 1)],
  };
}

/** True when a shard of `chunks` chunks is past the threshold and must split. */
export function shouldSplit(
  chunks: number,
  threshold: number = SHARD_LIMITS.splitAtChunks,
): boolean {
  if (!Number.isSafeInteger(chunks) || chunks < 0)
    throw new RangeError(`chunks must be a non-negative integer, got ${chunks}`);
  if (!Number.isSafeInteger(threshold) || threshold < 1)
    throw new RangeError(`threshold must be a positive integer, got ${threshold}`);
  return chunks > threshold;
}

/** `${tenant}:${namespace}:${seq}`: a Durable Object name and a registry id (ID_PATTERN). */
export function shardId(tenant: string, namespace: string, seq: number): string {
  checkNames(tenant, namespace);
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new ProximaError('invalid_request', `Shard sequence must be a non-negative integer.`, {
      param: 'seq',
    });
  const id = `${tenant}:${namespace}:${seq}`;
  // 64 + 48 + 2 separators leave 14 digits of sequence within ID_PATTERN's 128 characters.
  checkShardId(id, 'seq');
  return id;
}

/** The registry key of a namespace's shard map: `rag:${tenant}:${namespace}`. */
export function registryNamespaceKey(tenant: string, namespace: string): string {
  checkNames(tenant, namespace);
  return `rag:${tenant}:${namespace}`;
}

const FORMAT = 1;

export function encodeDirectory(dir: ShardDirectory): string {
  return JSON.stringify({
    v: FORMAT,
    version: dir.version,
    shards: dir.shards.map((s) => ({
      id: s.id,
      centroid: s.centroid ? f32ToBase64(s.centroid) : null,
    })),
  });
}

const directorySchema = z.strictObject({
  v: z.literal(FORMAT),
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  shards: z
    .array(
      z.strictObject({
        id: z.string().regex(ID_PATTERN, `must be ${ID_RULE}`),
        centroid: z.string().nullable(),
      }),
    )
    .min(1, 'must list at least one shard')
    .max(SHARD_LIMITS.maxShardsPerNamespace),
});

/** The directory encoded by encodeDirectory; a ProximaError naming the field when it is corrupt. */
export function decodeDirectory(text: string): ShardDirectory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt('not JSON', null);
  }
  const parsed = parseOrThrow(directorySchema, json, 'shard directory');
  const ids = new Set<string>();
  let dim: number | null = null;
  const shards = parsed.shards.map((s, i): ShardRoute => {
    const where = `shards[${i}]`;
    if (ids.has(s.id)) throw corrupt(`shard ${quote(s.id)} appears twice`, `${where}.id`);
    ids.add(s.id);
    if (s.centroid === null) {
      if (parsed.shards.length > 1)
        throw corrupt('only a lone shard may have no centroid', `${where}.centroid`);
      return { id: s.id, centroid: null };
    }
    const centroid = base64ToF32(s.centroid);
    if (!centroid || centroid.length === 0)
      throw corrupt('centroid is not base64 of f32 values', `${where}.centroid`);
    dim ??= centroid.length;
    if (centroid.length !== dim)
      throw corrupt(`centroid has ${centroid.length} values, not ${dim}`, `${where}.centroid`);
    try {
      checkedNorm(centroid, dim, 'centroid');
    } catch (err) {
      if (err instanceof LshError) throw corrupt(err.message, `${where}.centroid`);
      throw err;
    }
    return { id: s.id, centroid };
  });
  return { version: parsed.version, shards };
}

/** 2-means converges in a few rounds; a split is rare, so a few more cost nothing. */
const SPLIT_ITERATIONS = 12;

/** cos(v, centroid) per shard; a lone shard takes everything, whatever v is (checked for values). */
function centroidScores(dir: ShardDirectory, v: Float32Array): Float64Array {
  const shards = dir.shards;
  const first = shards[0];
  if (!first) throw new LshError('bad_params', 'the directory lists no shard');
  if (shards.length === 1 && !first.centroid) {
    checkedNorm(v, v.length, 'vector');
    return new Float64Array(1);
  }
  const dim = first.centroid?.length ?? 0;
  const vNorm = checkedNorm(v, dim, 'vector');
  const scores = new Float64Array(shards.length);
  shards.forEach((s, i) => {
    const c = s.centroid;
    if (!c || c.length !== dim)
      throw new LshError('shape', `shard ${s.id} has no centroid of ${dim} values`);
    let dot = 0;
    let cc = 0;
    for (let j = 0; j < dim; j++) {
      dot += v[j]! * c[j]!;
      cc += c[j]! * c[j]!;
    }
    scores[i] = dot / (vNorm * Math.sqrt(cc));
  });
  return scores;
}

function unitRows(rows: Iterable<Float32Array> | Float32Array, dim: number): Float32Array {
  if (rows instanceof Float32Array) {
    if (rows.length % dim !== 0)
      throw new LshError('shape', `${rows.length} values is not a whole number of rows of ${dim}`);
    const out = new Float32Array(rows.length);
    for (let r = 0; r < rows.length / dim; r++)
      out.set(unitCopy(rows.subarray(r * dim, r * dim + dim), dim, `row ${r}`), r * dim);
    return out;
  }
  const list: Float32Array[] = [];
  for (const row of rows) list.push(unitCopy(row, dim, `row ${list.length}`));
  const out = new Float32Array(list.length * dim);
  list.forEach((u, r) => out.set(u, r * dim));
  return out;
}

function checkShardId(id: string, param: string): void {
  if (!ID_PATTERN.test(id))
    throw new ProximaError('invalid_request', `Shard id ${quote(id)} must be ${ID_RULE}.`, {
      param,
    });
}

function checkNames(tenant: string, namespace: string): void {
  if (!LABEL_PATTERN.test(tenant))
    throw new ProximaError('invalid_request', `Tenant ${quote(tenant)} must be ${LABEL_RULE}.`, {
      param: 'tenant',
    });
  if (!RAG_LIMITS.namespacePattern.test(namespace))
    throw new ProximaError(
      'invalid_request',
      `Namespace ${quote(namespace)} must be ${RAG_LIMITS.namespaceRule}.`,
      { param: 'namespace' },
    );
}

function corrupt(message: string, param: string | null): ProximaError {
  return new ProximaError(
    'invalid_request',
    `Shard directory: ${message}.`,
    param === null ? {} : { param },
  );
}
