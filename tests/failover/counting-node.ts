/**
 * A node process for the failover tests: the real NodeAgent (the one `proxima node` runs) serving
 * the counting engine. Logs are the agent's JSON lines on stderr, plus `engine.continue` when a
 * job continues a prefix.
 *
 *   counting-node.ts --edge URL --node-id ID --model M[,M2] [--token-delay-ms 25] [--slots 8]
 *                    [--backoff-ms 500] [--backoff-max-ms 30000]
 *
 * The token comes from PROXIMA_NODE_TOKEN (or --token). Control lines on stdin change the engine
 * while it runs: `slow <ms>` (a slower token delay), `hang` (no more tokens; heartbeats go on),
 * `normal` (the starting delay, no hang). SIGTERM stops it.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { FatalAgentError, NodeAgent } from '@proxima/local-node/agent';
import { jsonLogger } from '@proxima/local-node/log';
import { CountingEngine } from './counting-engine.ts';

function fail(message: string): never {
  process.stderr.write(`counting-node: ${message}\n`);
  process.exit(2);
}

function intFlag(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

const { values } = parseArgs({
  options: {
    edge: { type: 'string' },
    'node-id': { type: 'string' },
    model: { type: 'string' },
    token: { type: 'string' },
    'token-delay-ms': { type: 'string' },
    slots: { type: 'string' },
    'backoff-ms': { type: 'string' },
    'backoff-max-ms': { type: 'string' },
  },
  strict: true,
});
const edgeUrl = values.edge ?? fail('--edge URL is required');
const nodeId = values['node-id'] ?? fail('--node-id is required');
const models = (values.model ?? fail('--model is required')).split(',').filter((m) => m !== '');
const token = process.env['PROXIMA_NODE_TOKEN'] ?? values.token ?? fail('no node token');
const tokenDelayMs = intFlag(values['token-delay-ms'], 'token-delay-ms', 25, 0);
const slots = intFlag(values.slots, 'slots', 8, 1);
const baseMs = intFlag(values['backoff-ms'], 'backoff-ms', 500, 1);
const maxMs = intFlag(values['backoff-max-ms'], 'backoff-max-ms', 30_000, baseMs);

const log = jsonLogger();
const engine = new CountingEngine({
  models,
  tokenDelayMs,
  onContinue: (tokens) => log('info', 'engine.continue', { tokens }),
});
const agent = new NodeAgent({
  edgeUrl,
  token,
  nodeId,
  engine,
  engineName: 'counting',
  slots,
  log,
  backoff: { baseMs, maxMs },
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/);
  if (command === 'slow') engine.setTokenDelay(Number(arg));
  else if (command === 'hang') engine.hang();
  else if (command === 'normal') {
    engine.setTokenDelay(tokenDelayMs);
    engine.resume();
  } else return log('warn', 'control.unknown', { line });
  log('info', 'control', { line });
});

process.on('SIGTERM', () => agent.stop());
try {
  await agent.run();
} catch (err) {
  log('error', 'node.fatal', { message: String(err) });
  process.exit(err instanceof FatalAgentError ? 3 : 1);
}
process.exit(0);
