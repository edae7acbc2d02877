/**
 * A node process for the node-embedding tests: the real NodeAgent (the one `proxima node` runs)
 * serving the byte-sum engine. Logs are the agent's JSON lines on stderr; SIGTERM stops it.
 *
 *   byte-sum-node.ts --edge URL --node-id ID --embed-model M --chat-model C
 *
 * The token comes from PROXIMA_NODE_TOKEN.
 */
import { parseArgs } from 'node:util';
import { FatalAgentError, NodeAgent } from '@proxima/local-node/agent';
import { jsonLogger } from '@proxima/local-node/log';
import { ByteSumEngine } from './byte-sum-engine.ts';

function fail(message: string): never {
  process.stderr.write(`byte-sum-node: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    edge: { type: 'string' },
    'node-id': { type: 'string' },
    'embed-model': { type: 'string' },
    'chat-model': { type: 'string' },
  },
  strict: true,
});
const log = jsonLogger();
const agent = new NodeAgent({
  edgeUrl: values.edge ?? fail('--edge URL is required'),
  token: process.env['PROXIMA_NODE_TOKEN'] ?? fail('PROXIMA_NODE_TOKEN is not set'),
  nodeId: values['node-id'] ?? fail('--node-id is required'),
  engine: new ByteSumEngine(
    values['embed-model'] ?? fail('--embed-model is required'),
    values['chat-model'] ?? fail('--chat-model is required'),
  ),
  engineName: 'byte-sum',
  slots: 2,
  log,
});

process.on('SIGTERM', () => agent.stop());
try {
  await agent.run();
} catch (err) {
  log('error', 'node.fatal', { message: String(err) });
  process.exit(err instanceof FatalAgentError ? 3 : 1);
}
process.exit(0);
