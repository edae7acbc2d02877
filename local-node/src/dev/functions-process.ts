// The dev fleet's Azure side: the local Functions host (functions/src/local-host/main.ts) with its
// own Azurite, in a child process group. Its "Foundry" is a node's local OpenAI-compatible API.
import { join } from 'node:path';
import type { Child } from './child.ts';
import { spawnChild } from './child.ts';
import { REPO_ROOT } from './paths.ts';

const MAIN = join(REPO_ROOT, 'functions', 'src', 'local-host', 'main.ts');

export interface FunctionsProcessOptions {
  readonly port: number;
  /** Azurite's data lives here. */
  readonly azuriteDir: string;
  /** PROXIMA_BURST_SECRET, the edge's BURST_SECRET. */
  readonly secret: string;
  /** FOUNDRY_ENDPOINT: an OpenAI-compatible /v1/ base URL. */
  readonly foundryEndpoint: string;
  /** FOUNDRY_DEPLOYMENTS: client model id → the model id the endpoint serves. */
  readonly deployments: Readonly<Record<string, string>>;
  readonly onLine?: (line: string) => void;
}

export interface FunctionsProcess {
  /** The Function App's base URL: the edge's AZURE_FUNCTION_URL. */
  readonly url: string;
  readonly child: Child;
  stop(): Promise<void>;
}

export async function startFunctionsProcess(
  options: FunctionsProcessOptions,
): Promise<FunctionsProcess> {
  let ready: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (ready = resolve));
  const recent: string[] = [];
  const child = spawnChild({
    name: 'functions',
    command: process.execPath,
    args: [MAIN, '--port', String(options.port), '--azurite-dir', options.azuriteDir],
    env: {
      PROXIMA_BURST_SECRET: options.secret,
      FOUNDRY_ENDPOINT: options.foundryEndpoint,
      // The node's API on loopback asks for no key; the openai client needs one to send.
      FOUNDRY_API_KEY: 'local-node-needs-no-key',
      FOUNDRY_DEPLOYMENTS: Object.entries(options.deployments)
        .map(([model, deployment]) => `${model}=${deployment}`)
        .join(','),
    },
    onLine: (line) => {
      if (line.includes('"event":"functions.listening"')) {
        const { url } = JSON.parse(line) as { url: string };
        ready(url);
      }
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onLine?.(line);
    },
  });
  const url = await Promise.race([
    listening,
    child.exited.then((code) => {
      throw new Error(
        `the local Functions host exited with ${code} before it listened:\n${recent.join('\n')}`,
      );
    }),
  ]);
  return {
    url,
    child,
    // Its main stops the host, then Azurite (which needs SIGINT, not SIGTERM).
    stop: async () => {
      await child.stop('SIGINT', 10_000);
    },
  };
}
