// Test fixtures shared by the routing tests.
import type { Backend } from './backend.ts';

/** A healthy, idle node with 4 slots serving m1 (warm); `over` changes any field. */
export function testBackend(id: string, over: Partial<Backend> = {}): Backend {
  return {
    id,
    tier: 'node',
    models: ['m1'],
    warmModels: ['m1'],
    costPer1kTokens: 0,
    priority: 0,
    capacity: { slots: 4, inFlight: 0, queued: 0, vramFreeBytes: null },
    draining: false,
    suspect: false,
    degraded: false,
    canContinue: true,
    ...over,
  };
}
