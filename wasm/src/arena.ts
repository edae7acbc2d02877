// A bump arena over the kernels' linear memory. Every call starts with reset(), so a call can never
// leave anything behind for the next; growth is bounded by maxBytes with a clear error. Below the
// per-call region sits an optional reserved region (resident hyperplanes), changed between calls.
import { LshError } from '@proxima/core/lsh';
import type { WasmMemory } from './wasm-api.ts';

const PAGE = 65536;

export class Arena {
  readonly memory: WasmMemory;
  readonly maxBytes: number;
  private readonly heapBase: number;
  /** Start of the per-call region; [heapBase, base) is reserved. */
  private base: number;
  private top: number;
  private capacity: number;
  /** Bumped on every grow: views over the old buffer are stale after it. */
  generation = 0;

  constructor(memory: WasmMemory, base: number, maxBytes: number) {
    this.memory = memory;
    this.heapBase = (base + 15) & ~15;
    this.base = this.heapBase;
    this.top = this.base;
    this.maxBytes = maxBytes;
    this.capacity = memory.buffer.byteLength;
  }

  reset(): void {
    this.top = this.base;
  }

  /** Reserves bytes (16-byte aligned) and returns their offset; grows memory when needed. */
  alloc(bytes: number): number {
    const off = this.top;
    const end = off + ((bytes + 15) & ~15);
    this.ensure(end);
    this.top = end;
    return off;
  }

  /** Bytes held by reserve() and not yet dropped. */
  get reservedBytes(): number {
    return this.base - this.heapBase;
  }

  /** Keeps bytes across calls (below the per-call region); only between calls. */
  reserve(bytes: number): number {
    const off = this.base;
    const end = off + ((bytes + 15) & ~15);
    this.ensure(end);
    this.base = end;
    this.top = end;
    return off;
  }

  /** Drops everything reserve() kept. */
  dropReserved(): void {
    this.base = this.heapBase;
    this.top = this.base;
  }

  private ensure(end: number): void {
    if (end > this.maxBytes) {
      throw new LshError(
        'out_of_memory',
        `kernel input needs ${end - this.heapBase} bytes of wasm memory but it may grow to ` +
          `${this.maxBytes - this.heapBase} (maxMemoryBytes=${this.maxBytes}); split the batch`,
      );
    }
    if (end > this.capacity) {
      this.memory.grow(Math.ceil((end - this.capacity) / PAGE));
      this.capacity = this.memory.buffer.byteLength;
      this.generation++;
    }
  }

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }
}
