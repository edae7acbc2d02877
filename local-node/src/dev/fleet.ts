import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEMO_MODEL_FILE_NAME, writeDemoModel } from '../model/demo-gguf.ts';
import type { Child } from './child.ts';
import { spawnChild } from './child.ts';
import { modelIdFromPath } from '../engine/model-label.ts';
import { startEdgeProcess } from './edge-process.ts';
import { startFunctionsProcess, type FunctionsProcess } from './functions-process.ts';
import { REPO_ROOT } from './paths.ts';
import { assertPortFree, freePort } from './ports.ts';
import { ensureNodeToken } from './node-tokens.ts';
import { loadOrCreateSecrets, newSecret, saveSecrets } from './secrets.ts';

export interface FleetOptions {
  /** Where state lives: edge storage, secrets, the demo model, dev.json. */
  readonly stateDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** A GGUF to serve; default: the generated demo model. */
  readonly modelPath?: string;
  readonly nodes: number;
  readonly slots?: number;
  readonly heartbeatMs?: number;
  readonly helloTimeoutMs?: number;
  /** Every child's output line, prefixed with its name. */
  readonly onLine?: (name: string, line: string) => void;
  readonly readyTimeoutMs?: number;
  /** More edge vars and secrets (e.g. UPSTREAMS and the keys it names), applied last. */
  readonly edgeBindings?: Readonly<Record<string, string>>;
  /**
   * The Azure side too: Azurite and the local Functions host, with the first node's local API
   * (`--listen`) standing in for Foundry, serving its model as `azure/<model id>`.
   */
  readonly azure?: boolean;
}

/** What one node started by `startNode` serves differently from the fleet's default. */
export interface NodeOverrides {
  /** Serve this GGUF instead of the fleet's model. */
  readonly modelPath?: string;
  /** Split <think> sections out as reasoning (`proxima node --reasoning`). */
  readonly reasoning?: boolean;
}

export interface DevInfo {
  readonly url: string;
  readonly apiKey: string;
  readonly models: readonly string[];
  /** The local Function App's URL, when the fleet runs the Azure side. */
  readonly functionsUrl?: string;
}

export interface NodeProcess {
  readonly nodeId: string;
  readonly child: Child;
  /** Resolves when the node has been welcomed by the edge; rejects if it exits first. */
  readonly connected: Promise<void>;
}

export interface Fleet {
  readonly info: DevInfo;
  readonly adminToken: string;
  readonly modelPath: string;
  /** The proxima CLI entry point, for starting more processes against this fleet. */
  readonly proximaBin: string;
  /** Stops the edge and starts it again on the same port and state; nodes reconnect by themselves. */
  restartEdge(): Promise<void>;
  readonly nodes: NodeProcess[];
  /** Starts one more node process against this fleet's edge, with a token bound to its id. */
  startNode(nodeId: string, overrides?: NodeOverrides): Promise<NodeProcess>;
  /** Drains the nodes, stops the edge; escalates to SIGKILL if a child hangs. */
  stop(): Promise<void>;
}

const PROXIMA_BIN = join(REPO_ROOT, 'local-node', 'bin', 'proxima.ts');

async function adminPost(
  url: string,
  adminToken: string,
  path: string,
  body: unknown,
): Promise<void> {
  const res = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // 409: registered on an earlier run with the same state directory.
  if (!res.ok && res.status !== 409)
    throw new Error(`${path} failed: ${res.status} ${await res.text()}`);
}

async function listModels(url: string, apiKey: string): Promise<string[]> {
  const res = await fetch(new URL('/v1/models', url), {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (!res.ok) throw new Error(`/v1/models answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { data: Array<{ id: string }> };
  return body.data.map((m) => m.id);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

/** The whole fleet on this machine: the edge in workerd and node processes serving a model. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  const secrets = await loadOrCreateSecrets(stateDir);
  if (options.port !== 0) await assertPortFree(options.port);
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const onLine = options.onLine ?? (() => undefined);

  let modelPath = options.modelPath
    ? resolve(options.modelPath)
    : join(stateDir, 'models', DEMO_MODEL_FILE_NAME);
  if (!options.modelPath && !existsSync(modelPath)) {
    modelPath = (await writeDemoModel(modelPath, { seed: 1 })).path;
  }
  if (!existsSync(modelPath)) throw new Error(`model file not found: ${modelPath}`);

  const burst = options.azure === true ? await startBurst(stateDir, modelPath, onLine) : null;
  const startEdge = (port: number) =>
    startEdgeProcess({
      port,
      persistDir: join(stateDir, 'edge'),
      adminToken: secrets.adminToken,
      dataKey: secrets.dataKey,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.helloTimeoutMs }),
      ...(options.edgeBindings === undefined && burst === null
        ? {}
        : { bindings: { ...burst?.edgeBindings, ...options.edgeBindings } }),
      onLine: (line) => onLine('edge', line),
    });
  let edge: Awaited<ReturnType<typeof startEdge>>;
  try {
    edge = await startEdge(options.port);
  } catch (err) {
    await burst?.functions.stop();
    throw err;
  }
  const url = edge.url;
  const restartEdge = async (): Promise<void> => {
    await edge.stop();
    edge = await startEdge(Number(new URL(url).port));
  };
  const nodes: NodeProcess[] = [];
  const tokenFor = async (nodeId: string): Promise<string> => {
    let token = secrets.nodeTokens[nodeId];
    if (token === undefined) {
      token = newSecret('pxn');
      secrets.nodeTokens[nodeId] = token;
      await saveSecrets(stateDir, secrets);
    }
    await ensureNodeToken(url, secrets.adminToken, nodeId, token);
    return token;
  };
  const startNode = async (nodeId: string, overrides?: NodeOverrides): Promise<NodeProcess> => {
    const token = await tokenFor(nodeId);
    let welcomed: () => void = () => undefined;
    const child = spawnChild({
      name: nodeId,
      command: process.execPath,
      args: [
        PROXIMA_BIN,
        'node',
        '--edge',
        url,
        '--node-id',
        nodeId,
        '--model',
        overrides?.modelPath === undefined ? modelPath : resolve(overrides.modelPath),
        ...(options.slots === undefined ? [] : ['--slots', String(options.slots)]),
        ...(overrides?.reasoning === true ? ['--reasoning'] : []),
        // The first node's local API is the local Function App's "Foundry".
        ...(burst !== null && nodes.length === 0 ? ['--listen', burst.foundryListen] : []),
      ],
      env: { PROXIMA_NODE_TOKEN: token },
      onLine: (line) => {
        if (line.includes('"event":"edge.connected"')) welcomed();
        onLine(nodeId, line);
      },
    });
    const connected = new Promise<void>((resolveConnected, reject) => {
      welcomed = resolveConnected;
      void child.exited.then((code) =>
        reject(new Error(`node ${nodeId} exited with ${code} before connecting`)),
      );
    });
    connected.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    const node = { nodeId, child, connected };
    nodes.push(node);
    return node;
  };
  const stop = async (): Promise<void> => {
    // Nodes drain on SIGTERM, then the edge goes.
    await Promise.all(nodes.map((n) => n.child.stop('SIGTERM', 10_000)));
    await edge.stop();
    await burst?.functions.stop();
  };

  try {
    await adminPost(url, secrets.adminToken, '/admin/api-keys', {
      key: secrets.apiKey,
      tenant: 'dev',
      name: 'dev',
    });
    for (let i = 1; i <= options.nodes; i++) await startNode(`dev-node-${i}`);
    await withTimeout(
      Promise.all(nodes.map((n) => n.connected)),
      readyTimeoutMs,
      'every node connecting',
    );
    const models = await listModels(url, secrets.apiKey);
    const info: DevInfo = {
      url,
      apiKey: secrets.apiKey,
      models,
      ...(burst === null ? {} : { functionsUrl: burst.functions.url }),
    };
    await writeJsonAtomic(join(stateDir, 'dev.json'), info);
    return {
      info,
      adminToken: secrets.adminToken,
      modelPath,
      proximaBin: PROXIMA_BIN,
      restartEdge,
      nodes,
      startNode,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Burst {
  readonly functions: FunctionsProcess;
  /** `--listen` for the node standing in for Foundry. */
  readonly foundryListen: string;
  readonly edgeBindings: Readonly<Record<string, string>>;
}

/** Azurite and the local Functions host, and the edge settings that point at them. */
async function startBurst(
  stateDir: string,
  modelPath: string,
  onLine: (name: string, line: string) => void,
): Promise<Burst> {
  const foundryPort = await freePort();
  const served = modelIdFromPath(modelPath);
  const burstModel = `azure/${served}`;
  // Made per run: only this run's edge and Function App need it.
  const secret = newSecret('pxb');
  const functions = await startFunctionsProcess({
    port: await freePort(),
    azuriteDir: join(stateDir, 'azurite'),
    secret,
    foundryEndpoint: `http://127.0.0.1:${foundryPort}/v1/`,
    deployments: { [burstModel]: served },
    onLine: (line) => onLine('functions', line),
  });
  return {
    functions,
    foundryListen: `127.0.0.1:${foundryPort}`,
    edgeBindings: {
      AZURE_FUNCTION_URL: functions.url,
      BURST_SECRET: secret,
      AZURE_BURST_MODELS: burstModel,
    },
  };
}
