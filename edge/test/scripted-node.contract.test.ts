// The edge tests' scripted node against the node-peer contract that the real agent also passes.
import {
  CONTRACT_MODEL,
  contractAnswer,
  nodePeerContract,
  type NodePeerHarness,
} from '@proxima/core/protocol/node/contract';
import { parseNodeToEdge, type NodeToEdge } from '@proxima/core/protocol';
import { ScriptedNode } from './scripted-node.ts';

nodePeerContract('the edge tests’ scripted node', ({ continues }): Promise<NodePeerHarness> => {
  const pair = new WebSocketPair();
  const [nodeEnd, edgeEnd] = [pair[0], pair[1]];
  nodeEnd.accept();
  edgeEnd.accept();
  const frames: NodeToEdge[] = [];
  edgeEnd.addEventListener('message', (event) => {
    const parsed = parseNodeToEdge(event.data as string | ArrayBuffer);
    if (!parsed.ok) throw new Error(`the scripted node sent an invalid frame: ${parsed.reason}`);
    frames.push(parsed.message);
  });
  const node = new ScriptedNode(nodeEnd, {
    nodeId: 'contract-node',
    models: [{ id: CONTRACT_MODEL, contextSize: 4096, description: 'contract fixture' }],
    features: continues ? ['continue'] : [],
    script: contractAnswer,
  });
  node.hello();
  return Promise.resolve({
    frames,
    sendToPeer: (frame) => edgeEnd.send(frame),
    drain: () => node.drain(),
    close() {
      node.stop();
      edgeEnd.close(1000, 'done');
      return Promise.resolve();
    },
  });
});
