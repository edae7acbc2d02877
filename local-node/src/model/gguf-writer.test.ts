import { describe, expect, it } from 'vitest';
import { encodeGguf } from './gguf-writer.ts';

describe('encodeGguf', () => {
  it('lays out header, metadata, tensor info and aligned data as the spec says', () => {
    const bytes = encodeGguf({
      metadata: [['k', { type: 'u32', value: 7 }]],
      tensors: [{ name: 't', shape: [2], data: new Float32Array([1.5, -2]) }],
    });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    const u32 = (): number => ((at += 4), view.getUint32(at - 4, true));
    const u64 = (): number => ((at += 8), Number(view.getBigUint64(at - 8, true)));
    const str = (): string => {
      const n = u64();
      at += n;
      return new TextDecoder().decode(bytes.subarray(at - n, at));
    };
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('GGUF');
    at = 4;
    expect(u32()).toBe(3); // version
    expect(u64()).toBe(1); // tensors
    expect(u64()).toBe(1); // kv pairs
    expect(str()).toBe('k');
    expect(u32()).toBe(4); // UINT32
    expect(u32()).toBe(7);
    expect(str()).toBe('t');
    expect(u32()).toBe(1); // n_dims
    expect(u64()).toBe(2);
    expect(u32()).toBe(0); // F32
    expect(u64()).toBe(0); // offset within the data section
    const dataStart = Math.ceil(at / 32) * 32;
    expect(view.getFloat32(dataStart, true)).toBe(1.5);
    expect(view.getFloat32(dataStart + 4, true)).toBe(-2);
    expect(bytes.length % 32).toBe(0);
  });

  it('grows past its initial buffer without losing bytes', () => {
    const data = Float32Array.from({ length: 40_000 }, (_, i) => i);
    const bytes = encodeGguf({ metadata: [], tensors: [{ name: 'big', shape: [40_000], data }] });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getFloat32(bytes.length - 4 * 8, true)).toBe(39_999 - 7);
  });

  it('rejects a tensor whose shape does not match its data', () => {
    expect(() =>
      encodeGguf({ metadata: [], tensors: [{ name: 'x', shape: [3], data: new Float32Array(2) }] }),
    ).toThrow(/shape/);
  });
});
