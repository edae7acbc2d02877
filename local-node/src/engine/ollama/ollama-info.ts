/**
 * What /api/ps tells of the server's hardware: the memory its loaded models hold, and how much of
 * it is VRAM. Ollama reports no GPU kind and no free VRAM, so the GPU is 'gpu' when some model
 * sits in VRAM, 'cpu' when loaded models sit wholly in RAM, else 'unknown'; the total is the VRAM
 * the loaded models hold (a lower bound) and free VRAM is unknown (0).
 */
import type { EngineInfo } from '../engine.ts';

export interface OllamaPsModel {
  readonly name?: string;
  readonly size?: number | null;
  readonly size_vram?: number | null;
  /** The context the loaded model runs with (newer servers). */
  readonly context_length?: number | null;
}

const bytes = (n: number | null | undefined): number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;

export function engineInfoOf(models: readonly OllamaPsModel[]): EngineInfo {
  const vram = models.reduce((sum, m) => sum + bytes(m.size_vram), 0);
  const size = models.reduce((sum, m) => sum + bytes(m.size), 0);
  return {
    engine: 'ollama',
    gpu: vram > 0 ? 'gpu' : size > 0 ? 'cpu' : 'unknown',
    vramTotalBytes: vram,
    vramFreeBytes: 0,
  };
}

export const UNKNOWN_INFO: EngineInfo = engineInfoOf([]);
