// Test fixtures shared by the node protocol's tests.
import { NODE_PROTOCOL_VERSION, type Hello } from './messages.ts';

/** A valid hello from a CPU node serving the demo model; `over` changes any field. */
export function sampleHello(over: Partial<Hello> = {}): Hello {
  return {
    type: 'hello',
    protocol: NODE_PROTOCOL_VERSION,
    nodeId: 'node-1',
    agent: 'proxima/0.1.0',
    engine: 'llama',
    gpu: 'cpu',
    vramTotalBytes: 0,
    vramFreeBytes: 0,
    slots: 2,
    models: [{ id: 'proxima-demo', contextSize: 512, description: 'demo' }],
    ...over,
  };
}
