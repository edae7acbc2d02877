import type { Engine, GenerateEvent, GenerateRequest } from '../../local-node/src/engine/engine.ts';

/**
 * Benchmark-only engine: answers at once with a fixed one-token reply, so what the gateway bench
 * measures is the edge and the wire, not inference. Not shipped in local-node/.
 */
export const INSTANT_MODEL = 'bench-instant';

export function instantEngine(): Engine {
  return {
    models: [
      { id: INSTANT_MODEL, contextSize: 4096, description: 'benchmark fixture: answers instantly' },
    ],
    info: () =>
      Promise.resolve({ engine: 'instant', gpu: 'none', vramTotalBytes: 0, vramFreeBytes: 0 }),
    async *generate(_req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
      await Promise.resolve();
      signal.throwIfAborted();
      yield { type: 'delta', text: 'ok' };
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } };
    },
    close: () => Promise.resolve(),
  };
}
