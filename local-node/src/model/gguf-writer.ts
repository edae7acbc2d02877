/**
 * Minimal GGUF v3 encoder, written from the format spec (ggml/docs/gguf.md):
 * header, metadata key/values, tensor infos, padding, then aligned tensor data.
 * Little-endian throughout. Only the value and tensor types the demo model needs.
 */

/** GGUF metadata value type codes (spec: gguf_metadata_value_type). */
const VALUE_TYPE = {
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
} as const;

/** ggml_type code for 32-bit float tensors. */
const GGML_TYPE_F32 = 0;

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export type GgufValue =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'string[]'; readonly value: readonly string[] }
  | { readonly type: 'f32[]'; readonly value: ArrayLike<number> }
  | { readonly type: 'i32[]'; readonly value: ArrayLike<number> };

export interface GgufTensor {
  readonly name: string;
  /** ggml order: shape[0] is the fastest-varying (row length). */
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface GgufFile {
  readonly metadata: ReadonlyArray<readonly [string, GgufValue]>;
  readonly tensors: readonly GgufTensor[];
  /** Must match `general.alignment` if the metadata sets it. */
  readonly alignment?: number;
}

/** Append-only little-endian byte sink; grows by doubling. */
class ByteSink {
  #buf = new Uint8Array(1 << 16);
  #view = new DataView(this.#buf.buffer);
  #len = 0;
  readonly #utf8 = new TextEncoder();

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): number {
    const at = this.#len;
    if (at + n > this.#buf.length) {
      let size = this.#buf.length;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, at));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    this.#len = at + n;
    return at;
  }

  u8(v: number): void {
    const at = this.#reserve(1);
    this.#view.setUint8(at, v);
  }
  u32(v: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, v, true);
  }
  i32(v: number): void {
    const at = this.#reserve(4);
    this.#view.setInt32(at, v, true);
  }
  u64(v: number): void {
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, BigInt(v), true);
  }
  f32(v: number): void {
    const at = this.#reserve(4);
    this.#view.setFloat32(at, v, true);
  }
  bytes(b: Uint8Array): void {
    const at = this.#reserve(b.length); // may reallocate #buf, so reserve first
    this.#buf.set(b, at);
  }
  /** gguf_string_t: u64 byte length, then UTF-8 bytes, no terminator. */
  string(s: string): void {
    const b = this.#utf8.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const rem = this.#len % alignment;
    if (rem !== 0) this.#reserve(alignment - rem); // new bytes are already zero
  }
  result(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

function writeValue(out: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      out.u32(VALUE_TYPE.UINT32);
      out.u32(v.value);
      return;
    case 'i32':
      out.u32(VALUE_TYPE.INT32);
      out.i32(v.value);
      return;
    case 'f32':
      out.u32(VALUE_TYPE.FLOAT32);
      out.f32(v.value);
      return;
    case 'bool':
      out.u32(VALUE_TYPE.BOOL);
      out.u8(v.value ? 1 : 0);
      return;
    case 'string':
      out.u32(VALUE_TYPE.STRING);
      out.string(v.value);
      return;
    case 'string[]':
      out.u32(VALUE_TYPE.ARRAY);
      out.u32(VALUE_TYPE.STRING);
      out.u64(v.value.length);
      for (const s of v.value) out.string(s);
      return;
    case 'f32[]':
      out.u32(VALUE_TYPE.ARRAY);
      out.u32(VALUE_TYPE.FLOAT32);
      out.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) out.f32(v.value[i] ?? 0);
      return;
    case 'i32[]':
      out.u32(VALUE_TYPE.ARRAY);
      out.u32(VALUE_TYPE.INT32);
      out.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) out.i32(v.value[i] ?? 0);
      return;
  }
}

function elementCount(t: GgufTensor): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** Serialises a whole GGUF file into memory (the demo model is well under 1 MB). */
export function encodeGguf(file: GgufFile): Uint8Array {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  for (const t of file.tensors) {
    if (elementCount(t) !== t.data.length) {
      throw new Error(`tensor ${t.name}: shape [${t.shape.join(', ')}] != ${t.data.length} values`);
    }
  }
  const out = new ByteSink();
  out.bytes(new TextEncoder().encode(GGUF_MAGIC));
  out.u32(GGUF_VERSION);
  out.u64(file.tensors.length);
  out.u64(file.metadata.length);
  for (const [key, value] of file.metadata) {
    out.string(key);
    writeValue(out, value);
  }

  // Offsets are relative to the start of the data section and each one is aligned.
  let offset = 0;
  for (const t of file.tensors) {
    out.string(t.name);
    out.u32(t.shape.length);
    for (const d of t.shape) out.u64(d);
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    offset += t.data.byteLength;
    offset += (alignment - (offset % alignment)) % alignment;
  }

  out.padTo(alignment);
  for (const t of file.tensors) {
    // Float32Array is host-endian; every platform node-llama-cpp ships for is little-endian.
    out.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.padTo(alignment);
  }
  return out.result();
}
