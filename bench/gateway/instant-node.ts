/** A node process serving the instant engine; started by the gateway bench. Args: edgeUrl token. */
import { NodeAgent } from '../../local-node/src/agent/agent.ts';
import { jsonLogger } from '../../local-node/src/agent/log.ts';
import { instantEngine } from './instant-engine.ts';

const [edgeUrl, token] = process.argv.slice(2);
if (!edgeUrl || !token) {
  process.stderr.write('usage: instant-node.ts <edge-url> <node-token>\n');
  process.exit(2);
}
const log = jsonLogger();
const agent = new NodeAgent({
  edgeUrl,
  token,
  nodeId: 'bench-node',
  engine: instantEngine(),
  engineName: 'instant',
  slots: 64,
  // Only connection events: per-job logging would be measured too.
  log: (level, event, fields) => {
    if (!event.startsWith('job.')) log(level, event, fields);
  },
});
process.on('SIGTERM', () => agent.stop());
await agent.run();
