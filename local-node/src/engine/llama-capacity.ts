/**
 * How many parallel sequences (slots) the llama engine runs under `slots: 'auto'`.
 *
 * The contexts' memory (the target's and the draft's, if any) is estimated by node-llama-cpp
 * for 1 and 2 sequences: a base and a per-sequence share (the KV cache grows linearly, the
 * compute buffers do not). Slots fit while base + (n - 1) × share stays within the pool's free
 * bytes less a headroom. The pool is free VRAM when the model runs on a GPU, else free RAM (the
 * OS's available memory), where the count is also capped at min(cores, 8): CPU sequences share
 * the cores, so more only queue.
 *
 * The contexts are created once, at startup, with the count that fitted then. Afterwards the
 * count in use follows the pool: the memory this engine holds is counted as its own, so when
 * another process takes VRAM the usable count drops (new jobs wait; running ones finish), and it
 * comes back, up to the startup count, when that memory is freed.
 */
import { availableParallelism, freemem, totalmem } from 'node:os';
import type { Llama, LlamaModel } from 'node-llama-cpp';

/** Kept free of this engine's contexts, as a share of the pool: estimate error, other buffers. */
export const MEMORY_HEADROOM = 0.05;
/** Slots on a GPU never exceed this (the CLI's own bound). */
export const MAX_GPU_SLOTS = 64;
/** Slots on the CPU never exceed min(cores, this). */
export const MAX_CPU_SLOTS = 8;

export interface MemoryPool {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Contexts of n sequences cost `baseBytes + (n - 1) × perSlotBytes` of the pool. */
export interface SlotCost {
  readonly baseBytes: number;
  readonly perSlotBytes: number;
}

/** The most slots (1..cap) whose contexts fit in the pool's free bytes less the headroom. */
export function slotsThatFit(pool: MemoryPool, cost: SlotCost, cap: number): number {
  const usable = pool.freeBytes - pool.totalBytes * MEMORY_HEADROOM - cost.baseBytes;
  if (usable < 0) return 1; // not even one fits: one anyway, as a fixed count would
  if (cost.perSlotBytes <= 0) return cap;
  return Math.max(1, Math.min(cap, 1 + Math.floor(usable / cost.perSlotBytes)));
}

/**
 * Slots usable now, of the `allocated` created at startup: what fits in the pool's free bytes
 * plus `ownBytes`, the part of the pool this engine's contexts already hold.
 */
export function usableSlots(
  pool: MemoryPool,
  ownBytes: number,
  cost: SlotCost,
  cap: number,
  allocated: number,
): number {
  const withOwn = { freeBytes: pool.freeBytes + ownBytes, totalBytes: pool.totalBytes };
  return Math.min(allocated, slotsThatFit(withOwn, cost, cap));
}

/** Where the contexts live: VRAM when the model has layers on a GPU, else RAM. */
export function onGpu(llama: Llama, model: LlamaModel): boolean {
  return llama.gpu !== false && model.gpuLayers > 0;
}

/** The pool's free and total bytes now. */
export async function readPool(llama: Llama, gpu: boolean): Promise<MemoryPool> {
  if (!gpu) return { freeBytes: freemem(), totalBytes: totalmem() };
  const vram = await llama.getVramState();
  return { freeBytes: vram.free, totalBytes: vram.total };
}

export function slotCap(gpu: boolean): number {
  return gpu ? MAX_GPU_SLOTS : Math.max(1, Math.min(availableParallelism(), MAX_CPU_SLOTS));
}

/** node-llama-cpp's estimate of contexts of `contextSize` tokens per sequence on these models. */
export async function estimateSlotCost(
  models: readonly LlamaModel[],
  contextSize: number,
  gpu: boolean,
): Promise<SlotCost> {
  const bytesFor = async (sequences: number): Promise<number> => {
    let sum = 0;
    for (const model of models) {
      const need = await model.fileInsights.estimateContextResourceRequirementsV2({
        contextSize,
        modelGpuLayers: model.gpuLayers,
        sequences,
      });
      sum += gpu ? need.gpuVram : need.cpuRam;
    }
    return sum;
  };
  const one = await bytesFor(1);
  const two = await bytesFor(2);
  return { baseBytes: one, perSlotBytes: Math.max(0, two - one) };
}
