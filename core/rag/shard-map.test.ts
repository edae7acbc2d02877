import { describe, expect, it } from 'vitest';
import { referenceKernels } from '@proxima/wasm/reference';
import { gaussian, LshError, seededRng } from '../lsh/index.ts';
import { ProximaError } from '../protocol/errors.ts';
import { MAX_SHARDS } from '../registry/commands.ts';
import { base64ToF32, f32ToBase64 } from './shard-base64.ts';
import {
  afterSplit,
  decodeDirectory,
  encodeDirectory,
  placeVector,
  planSplit,
  probeShards,
  fixedProbe,
  checkProbePolicy,
  chooseProbes,
  DEFAULT_PROBE_POLICY,
  registryNamespaceKey,
  rootDirectory,
  SHARD_LIMITS,
  shardId,
  shouldSplit,
  type ShardDirectory,
  type ShardRoute,
} from './shard-map.ts';

const kernels = referenceKernels;
const route = (id: string, ...c: number[]): ShardRoute => ({ id, centroid: Float32Array.of(...c) });

/** A three-shard directory: root split into a|b, then b split into c|d. */
function threeShards(): ShardDirectory {
  const one = afterSplit(rootDirectory('t:n:0'), 't:n:0', [
    route('t:n:1', 1, 0),
    route('t:n:2', 0, 1),
  ]);
  return afterSplit(one, 't:n:2', [route('t:n:3', -1, 1), route('t:n:4', 0, -1)]);
}

function param(f: () => unknown): string | null {
  try {
    f();
  } catch (err) {
    if (err instanceof ProximaError) return err.param ?? err.code;
    throw err;
  }
  throw new Error('expected a ProximaError');
}

function blobs(n: number, dim: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  const out = new Float32Array(n * dim);
  // Two blobs around +e0 and +e1: their split must separate them.
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) out[r * dim + i] = 0.1 * gaussian(rng);
    out[r * dim + (r % 2)]! += 1;
  }
  return out;
}

describe('directory', () => {
  it('the root takes every vector', () => {
    const dir = rootDirectory('acme:docs:0');
    expect(dir).toEqual({ version: 1, shards: [{ id: 'acme:docs:0', centroid: null }] });
    expect(placeVector(dir, Float32Array.of(3, -1, 2))).toBe('acme:docs:0');
    expect(probeShards(dir, Float32Array.of(1), fixedProbe(4))).toEqual(['acme:docs:0']);
    expect(() => rootDirectory('bad id')).toThrow(ProximaError);
  });

  it('a split replaces the parent in place with its children and raises the version', () => {
    const dir = threeShards();
    expect(dir.version).toBe(3);
    expect(dir.shards.map((s) => s.id)).toEqual(['t:n:1', 't:n:3', 't:n:4']);
    // Children are stored unit-length.
    expect(Array.from(dir.shards[1]!.centroid!)).toEqual(
      [-Math.SQRT1_2, Math.SQRT1_2].map(Math.fround),
    );
    expect(placeVector(dir, Float32Array.of(5, 0.1))).toBe('t:n:1');
    expect(placeVector(dir, Float32Array.of(-1, 2))).toBe('t:n:3');
    expect(probeShards(dir, Float32Array.of(1, -0.9), fixedProbe(2))).toEqual(['t:n:1', 't:n:4']);
    // (1, 1) is equally near (1, 0) and (0, 1): the lower index wins.
    const tie = afterSplit(rootDirectory('t:n:0'), 't:n:0', [
      route('t:n:1', 1, 0),
      route('t:n:2', 0, 1),
    ]);
    expect(placeVector(tie, Float32Array.of(1, 1))).toBe('t:n:1');
    expect(probeShards(tie, Float32Array.of(1, 1), fixedProbe(2))).toEqual(['t:n:1', 't:n:2']);
  });

  it('refuses a split of an absent parent, past the shard limit, or with bad children', () => {
    const dir = threeShards();
    expect(
      param(() => afterSplit(dir, 't:n:2', [route('t:n:5', 1, 1), route('t:n:6', 1, 2)])),
    ).toBe('conflict');
    expect(() => afterSplit(dir, 't:n:1', [route('t:n:5', 1, 1), route('t:n:6', 1, 2)], 3)).toThrow(
      /limit of 3/,
    );
    expect(
      afterSplit(dir, 't:n:1', [route('t:n:5', 1, 1), route('t:n:6', 1, 2)], 4).shards,
    ).toHaveLength(4);
    expect(
      param(() => afterSplit(dir, 't:n:1', [route('t:n:3', 1, 1), route('t:n:6', 1, 2)])),
    ).toBe('conflict');
    expect(() => afterSplit(dir, 't:n:1', [route('t:n:5', 1, 1), route('t:n:6', 1, 2, 3)])).toThrow(
      LshError,
    );
    expect(() => afterSplit(dir, 't:n:1', [route('t:n:5', 1, 1), route('t:n:6', 2, 2)])).toThrow(
      /same centroid/,
    );
    expect(() =>
      afterSplit(dir, 't:n:1', [route('t:n:5', 1, 1), { id: 't:n:6', centroid: null }]),
    ).toThrow(/no centroid/);
    expect(() => afterSplit(dir, 't:n:1', [route('t:n:5', 1, 1), route('t:n:6', 0, 0)])).toThrow(
      /zero vector/,
    );
    expect(() => placeVector(dir, Float32Array.of(1, 2, 3))).toThrow(LshError);
    expect(() => probeShards(dir, Float32Array.of(1, 2), fixedProbe(0))).toThrow(/minShards/);
  });

  it('the defaults fit the registry: a namespace map lists at most MAX_SHARDS shards', () => {
    expect(SHARD_LIMITS.maxShardsPerNamespace).toBeLessThanOrEqual(MAX_SHARDS);
    expect(() => checkProbePolicy(DEFAULT_PROBE_POLICY)).not.toThrow();
  });
});

describe('probe policy', () => {
  it('visits the shards within delta of the nearest, between its bounds', () => {
    const scores = [0.5, 0.9, 0.8, 0.74, 0.1];
    const policy = { minShards: 1, maxShards: 4, delta: 0.15 };
    expect(chooseProbes(scores, policy)).toEqual([1, 2]);
    expect(chooseProbes(scores, { ...policy, delta: 0.16 })).toEqual([1, 2, 3]);
    expect(chooseProbes(scores, { ...policy, minShards: 4 })).toEqual([1, 2, 3, 0]);
    expect(chooseProbes(scores, { ...policy, delta: 2 })).toEqual([1, 2, 3, 0]);
    expect(chooseProbes(scores, { minShards: 9, maxShards: 9, delta: 0 })).toEqual([1, 2, 3, 0, 4]);
    expect(chooseProbes([0.3, 0.3], fixedProbe(1))).toEqual([0]);
  });

  it('refuses a policy that could visit no shard or more than a namespace holds', () => {
    const max = SHARD_LIMITS.maxShardsPerNamespace;
    expect(() => checkProbePolicy({ minShards: 0, maxShards: 2, delta: 0 })).toThrow(/minShards/);
    expect(() => checkProbePolicy({ minShards: 3, maxShards: 2, delta: 0 })).toThrow(/maxShards/);
    expect(() => checkProbePolicy({ minShards: 1, maxShards: max + 1, delta: 0 })).toThrow(
      /maxShards/,
    );
    expect(() => checkProbePolicy({ minShards: 1, maxShards: 2, delta: -0.1 })).toThrow(/delta/);
    expect(() => checkProbePolicy({ minShards: 1, maxShards: 2, delta: NaN })).toThrow(/delta/);
    expect(() => checkProbePolicy(fixedProbe(max))).not.toThrow();
  });
});

describe('planSplit and shouldSplit', () => {
  const dim = 16;

  it('2-means separates two blobs, from a matrix or from row views alike', () => {
    const data = blobs(400, dim, 1);
    const [a, b] = planSplit(data, dim, seededRng(2), kernels);
    const nearE0 = a[0]! > a[1]! ? a : b;
    const nearE1 = nearE0 === a ? b : a;
    expect(nearE0[0]).toBeGreaterThan(0.9);
    expect(nearE1[1]).toBeGreaterThan(0.9);
    const rows = Array.from({ length: 400 }, (_, r) => data.subarray(r * dim, r * dim + dim));
    expect(planSplit(rows, dim, seededRng(2), kernels)).toEqual([a, b]);
    // Every row lands on the child of its own blob.
    const dir = afterSplit(rootDirectory('t:n:0'), 't:n:0', [
      { id: 't:n:1', centroid: nearE0 },
      { id: 't:n:2', centroid: nearE1 },
    ]);
    rows.forEach((v, r) => expect(placeVector(dir, v)).toBe(r % 2 === 0 ? 't:n:1' : 't:n:2'));
  });

  it('cannot split identical rows, a single row, or bad rows', () => {
    const same = Array.from({ length: 50 }, () => Float32Array.of(1, 2, 3));
    expect(() => planSplit(same, 3, seededRng(1), kernels)).toThrow(/cannot split/);
    expect(() => planSplit([Float32Array.of(1, 2, 3)], 3, seededRng(1), kernels)).toThrow(
      /cannot split 1/,
    );
    expect(() => planSplit(new Float32Array(7), 3, seededRng(1), kernels)).toThrow(/whole number/);
    expect(() =>
      planSplit([Float32Array.of(1, 2, 3), new Float32Array(3)], 3, seededRng(1), kernels),
    ).toThrow(/zero vector/);
  });

  it('splits past the threshold, not at it', () => {
    expect(shouldSplit(SHARD_LIMITS.splitAtChunks)).toBe(false);
    expect(shouldSplit(SHARD_LIMITS.splitAtChunks + 1)).toBe(true);
    expect(shouldSplit(11, 10)).toBe(true);
    expect(() => shouldSplit(-1, 10)).toThrow(RangeError);
    expect(() => shouldSplit(5, 0)).toThrow(RangeError);
  });
});

describe('ids', () => {
  it('builds shard ids and registry keys from valid names only', () => {
    expect(shardId('acme', 'docs', 3)).toBe('acme:docs:3');
    expect(registryNamespaceKey('acme', 'docs')).toBe('rag:acme:docs');
    const tenant = 't'.repeat(64);
    const namespace = 'n'.repeat(48);
    expect(shardId(tenant, namespace, 10 ** 14 - 1)).toHaveLength(128);
    expect(param(() => shardId(tenant, namespace, 10 ** 14))).toBe('seq');
    expect(param(() => shardId('t'.repeat(65), 'docs', 1))).toBe('tenant');
    expect(param(() => shardId('acme', 'n'.repeat(49), 1))).toBe('namespace');
    expect(param(() => shardId('acme', 'a:b', 1))).toBe('namespace');
    expect(param(() => shardId('ac me', 'docs', 1))).toBe('tenant');
    expect(param(() => shardId('acme', 'docs', -1))).toBe('seq');
    expect(param(() => shardId('acme', 'docs', 1.5))).toBe('seq');
    expect(param(() => registryNamespaceKey('acme', ''))).toBe('namespace');
    // The namespace rule is RAG_LIMITS's: it starts with a letter or digit.
    expect(param(() => registryNamespaceKey('acme', '.docs'))).toBe('namespace');
  });
});

describe('encoding', () => {
  it('centroids are base64 of little-endian f32, as Node encodes them', () => {
    const v = Float32Array.of(1, -2.5, 3e-8, 0, -0, 65504, 1 / 3);
    for (let n = 0; n <= v.length; n++) {
      const part = v.slice(0, n);
      const b64 = f32ToBase64(part);
      expect(b64).toBe(Buffer.from(part.buffer).toString('base64'));
      expect(base64ToF32(b64)).toEqual(part);
    }
    expect(base64ToF32('AAAA')).toBeNull(); // 3 bytes: not whole f32s
    expect(base64ToF32('AAAAAB==')).toBeNull(); // non-canonical padding bits
    expect(base64ToF32('AAA$AAAA')).toBeNull();
  });

  it('decode refuses corrupt directories, naming the field', () => {
    const good = JSON.parse(encodeDirectory(threeShards())) as {
      shards: { id: string; centroid: string | null }[];
    };
    const bad = (change: (d: typeof good) => void): string => {
      const copy = structuredClone(good);
      change(copy);
      return JSON.stringify(copy);
    };
    const nan = f32ToBase64(Float32Array.of(NaN, 1));
    expect(param(() => decodeDirectory('{'))).toBe('invalid_request');
    expect(param(() => decodeDirectory(bad((d) => (d.shards[1]!.id = 't:n:1'))))).toBe(
      'shards[1].id',
    );
    expect(param(() => decodeDirectory(bad((d) => (d.shards[1]!.id = 'no spaces'))))).toBe(
      'shards[1].id',
    );
    expect(param(() => decodeDirectory(bad((d) => (d.shards[2]!.centroid = null))))).toBe(
      'shards[2].centroid',
    );
    expect(param(() => decodeDirectory(bad((d) => (d.shards[2]!.centroid = nan))))).toBe(
      'shards[2].centroid',
    );
    expect(
      param(() =>
        decodeDirectory(
          bad((d) => (d.shards[2]!.centroid = f32ToBase64(Float32Array.of(1, 2, 3)))),
        ),
      ),
    ).toBe('shards[2].centroid');
    expect(
      param(() =>
        decodeDirectory(bad((d) => (d.shards[0]!.centroid = f32ToBase64(new Float32Array(2))))),
      ),
    ).toBe('shards[0].centroid');
    expect(param(() => decodeDirectory(bad((d) => (d.shards[0]!.centroid = 'AA=A'))))).toBe(
      'shards[0].centroid',
    );
    expect(param(() => decodeDirectory(bad((d) => (d.shards = []))))).toBe('shards');
    const many = bad((d) => {
      d.shards = Array.from({ length: SHARD_LIMITS.maxShardsPerNamespace + 1 }, (_, i) => ({
        id: `t:n:${i}`,
        centroid: f32ToBase64(Float32Array.of(1, i)),
      }));
    });
    expect(param(() => decodeDirectory(many))).toBe('shards');
    expect(decodeDirectory(encodeDirectory(rootDirectory('a:b:0')))).toEqual(
      rootDirectory('a:b:0'),
    );
  });
});
