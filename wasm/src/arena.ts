// A bump arena over the kernels' linear memory. Every call starts with reset(), so a call can never
// leave anything behind for the next; growth is bounded by maxBytes with a clear error.
import { LshError } from '@proxima/core/lsh';
import type { WasmMemory } from './wasm-api.ts';

const PAGE = 65536;

export class Arena {
  readonly memory: WasmMemory;
  readonly maxBytes: number;
  private readonly base: number;
  private top: number;

  constructor(memory: WasmMemory, base: number, maxBytes: number) {
    this.memory = memory;
    this.base = (base + 15) & ~15;
    this.top = this.base;
    this.maxBytes = maxBytes;
  }

  reset(): void {
    this.top = this.base;
  }

  /** Reserves bytes (16-byte aligned) and returns their offset; grows memory when needed. */
  alloc(bytes: number): number {
    const off = this.top;
    const end = off + ((bytes + 15) & ~15);
    if (end > this.maxBytes) {
      throw new LshError(
        'out_of_memory',
        `kernel input needs ${end - this.base} bytes of wasm memory but it may grow to ` +
          `${this.maxBytes - this.base} (maxMemoryBytes=${this.maxBytes}); split the batch`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return off;
  }

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }
}
