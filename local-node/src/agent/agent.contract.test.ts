// The real agent against the node-peer contract (core/protocol/node/session/node-peer.case.ts).
import {
  CONTRACT_MODEL,
  contractAnswer,
  nodePeerContract,
  type NodePeerHarness,
  type NodePeerOptions,
} from '@proxima/core/protocol/node/contract';
import type { Engine, GenerateEvent, GenerateRequest } from '../engine/engine.ts';
import { NodeAgent } from './agent.ts';
import { fakeEdge } from './edge-stand-in.testing.ts';
import { silentLogger } from './log.ts';

/** An engine that generates what the contract expects, honouring abort like a real one. */
function contractEngine(continues: boolean): Engine {
  return {
    models: [{ id: CONTRACT_MODEL, contextSize: 4096, description: 'contract fixture' }],
    continuesAssistant: continues,
    info: () =>
      Promise.resolve({ engine: 'contract', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
    async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
      const { chunks, delayMs } = contractAnswer({
        model: req.model,
        messages: [...req.messages],
        maxTokens: null,
        temperature: req.temperature,
        topP: req.topP,
        stop: [...req.stop],
        seed: req.seed ?? null,
        ...(req.assistantPrefix === undefined ? {} : { assistantPrefix: req.assistantPrefix }),
      });
      for (const text of chunks) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        signal.throwIfAborted();
        yield { type: 'delta', text };
      }
      const usage = { promptTokens: 1, completionTokens: chunks.length };
      yield { type: 'done', finishReason: 'stop', usage };
    },
    close: () => Promise.resolve(),
  };
}

async function startAgent(options: NodePeerOptions): Promise<NodePeerHarness> {
  const edge = await fakeEdge();
  const agent = new NodeAgent({
    edgeUrl: edge.url,
    token: 'pxn_test_token_0123456789',
    nodeId: 'contract-node',
    engine: contractEngine(options.continues),
    engineName: 'contract',
    slots: 4,
    log: silentLogger,
  });
  const running = agent.run().catch(() => undefined);
  const ws = await edge.socket;
  return {
    frames: edge.all,
    sendToPeer: (frame) => ws.send(frame),
    drain: () => void agent.drain(),
    async close() {
      agent.stop();
      await running;
      await new Promise((resolve) => edge.server.close(resolve));
    },
  };
}

nodePeerContract('the real agent (NodeAgent over a WebSocket)', startAgent);
