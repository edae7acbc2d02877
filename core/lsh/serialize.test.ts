import { describe, expect, it } from 'vitest';
import { referenceKernels } from '@proxima/wasm/reference';
import { LshIndex } from './lsh-index.ts';
import { randomHyperplanes, seededRng } from './prng.ts';
import { deserializeIndex, fromRows, MAX_ROW_BYTES, serializeIndex, toRows } from './serialize.ts';
import { clustered, row } from './testing.ts';

const k = referenceKernels;

function build(n: number, dim: number, keepF32: boolean): { idx: LshIndex; data: Float32Array } {
  const p = { dim, tables: 6, bits: 10, probes: 4, keepF32 };
  const idx = new LshIndex(p, randomHyperplanes(seededRng(3), 60, dim), k);
  const data = clustered(seededRng(4), n, dim, 20, 0.5);
  for (let r = 0; r < n; r++) idx.insert(r * 3 + 1, row(data, dim, r));
  return { idx, data };
}

describe('LSH snapshot', () => {
  it('round-trips: same size, same search results', () => {
    for (const keepF32 of [false, true]) {
      const { idx, data } = build(500, 24, keepF32);
      idx.delete(4);
      idx.delete(301);
      const back = deserializeIndex(serializeIndex(idx), k);
      expect(back.size).toBe(idx.size);
      expect(back.params).toEqual(idx.params);
      for (const r of [0, 99, 250, 499]) {
        expect(back.search(row(data, 24, r), 10)).toEqual(idx.search(row(data, 24, r), 10));
      }
    }
  });

  it('is compact: about dim + 4·(3 + L) bytes per vector plus the planes', () => {
    const { idx } = build(2000, 64, false);
    const bytes = serializeIndex(idx).length;
    const planes = 60 * 64 * 4;
    expect(bytes - planes).toBeLessThan(2000 * (64 + 8 + 4 + 4 + 4 * 6) + 128);
  });

  it('splits into Durable Object rows of at most 2 MB and joins back', () => {
    const { idx, data } = build(12_000, 256, false);
    const bytes = serializeIndex(idx);
    const rows = toRows(bytes);
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(MAX_ROW_BYTES);
    const back = deserializeIndex(fromRows(rows), k);
    expect(back.search(row(data, 256, 7), 5)).toEqual(idx.search(row(data, 256, 7), 5));
  });

  it('detects corruption, truncation and a missing row', () => {
    const { idx } = build(300, 16, false);
    const bytes = serializeIndex(idx);
    const flipped = bytes.slice();
    flipped[bytes.length - 9]! ^= 1;
    expect(() => deserializeIndex(flipped, k)).toThrow(/checksum/);
    expect(() => deserializeIndex(bytes.subarray(0, bytes.length - 8), k)).toThrow(/bytes/);
    const rows = toRows(bytes, 1000);
    expect(() => deserializeIndex(fromRows([...rows.slice(0, 2), ...rows.slice(3)]), k)).toThrow(
      /corrupt|bytes|checksum/,
    );
    expect(() => deserializeIndex(new Uint8Array(64), k)).toThrow(/magic/);
  });
});
