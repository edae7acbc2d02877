import { join } from 'node:path';
import { startFleet } from '../dev/fleet.ts';

export interface DevCommandOptions {
  readonly state: string;
  readonly port: number;
  readonly model?: string;
  readonly nodes: number;
  readonly verbose: boolean;
  /** Azurite and the local Functions host too (`--no-azure` leaves them out). */
  readonly azure: boolean;
}

/** `proxima dev`: the whole fleet on this machine until Ctrl-C. */
export async function runDevCommand(options: DevCommandOptions): Promise<number> {
  process.stdout.write(
    `Starting the Proxima dev fleet: edge in workerd + local node(s)${options.azure ? ' + Azurite and the local Functions host' : ''}…\n`,
  );
  // Listening before the fleet starts: a Ctrl-C during startup then also stops it in order.
  const signalled = waitForStopSignal();
  const fleet = await startFleet({
    stateDir: options.state,
    port: options.port,
    nodes: options.nodes,
    azure: options.azure,
    ...(options.model === undefined ? {} : { modelPath: options.model }),
    onLine: (name, line) => {
      if (options.verbose || /"level":"(warn|error)"|\bERROR\b|✘/.test(line)) {
        process.stdout.write(`[${name}] ${line}\n`);
      }
    },
  });
  const { url, apiKey, models, functionsUrl } = fleet.info;
  const model = models[0] ?? 'proxima-demo';
  const demo = options.model === undefined;
  process.stdout.write(
    [
      '',
      `  Endpoint  ${url}/v1   (OpenAI-compatible)`,
      `  API key   ${apiKey}`,
      `  Models    ${models.join(', ')}${demo ? '   (demo model with random weights: output is noise)' : ''}`,
      ...(functionsUrl === undefined
        ? []
        : [
            `  Azure     ${functionsUrl}   (local Functions host + Azurite; its "Foundry" is dev-node-1's local API)`,
          ]),
      `  Dashboard ${url}/dashboard   (log in with "adminToken" from ${join(options.state, 'secrets.json')})`,
      `  Metrics   ${url}/metrics   (Prometheus; the admin token as a bearer token)`,
      `  Details   ${join(options.state, 'dev.json')}`,
      '',
      '  Try it:',
      `  curl -s ${url}/v1/chat/completions \\`,
      `    -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\`,
      `    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  let alive = fleet.nodes.length;
  for (const node of fleet.nodes) {
    void node.child.exited.then((code) => {
      if (stopping) return;
      alive--;
      process.stdout.write(
        `[${node.nodeId}] exited with code ${code}; ${alive} of ${fleet.nodes.length} node(s) left` +
          (alive === 0 ? ': requests will get 503 until a node connects again.' : '.') +
          ' Run with --verbose to see why.\n',
      );
    });
  }
  await signalled;
  stopping = true;
  process.stdout.write('Stopping: draining nodes, then the edge…\n');
  await fleet.stop();
  process.stdout.write('Stopped.\n');
  return 0;
}

/** `npm start` forwards the terminal's Ctrl-C, so the runner sees it twice within milliseconds. */
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * Resolves on the first SIGINT/SIGTERM. A later one (not npm's echo of the first) exits at once:
 * the exit handlers SIGKILL the children, for a user who will not wait for the drain.
 */
function waitForStopSignal(): Promise<void> {
  let first = 0;
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (first === 0) {
        first = Date.now();
        resolve();
        return;
      }
      if (Date.now() - first < DUPLICATE_SIGNAL_MS) return;
      process.stdout.write(`${signal} again: stopping without draining.\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
