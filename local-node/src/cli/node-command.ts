import { hostname } from 'node:os';
import { NodeAgent } from '../agent/agent.ts';
import { jsonLogger } from '../agent/log.ts';
import { createLlamaEngine, type LlamaGpuOption } from '../engine/llama-engine.ts';

export interface NodeCommandOptions {
  readonly edge: string;
  readonly token?: string;
  readonly model: string;
  readonly gpu: LlamaGpuOption;
  readonly slots: number;
  readonly contextSize?: number;
  readonly nodeId?: string;
  readonly drainTimeout: number;
  /** Split <think> sections out as reasoning; undefined: decided by the chat template. */
  readonly reasoning?: boolean;
}

export function defaultNodeId(): string {
  const cleaned = hostname()
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .slice(0, 128);
  return cleaned === '' ? 'node' : cleaned;
}

/** `proxima node`: load the model, dial out to the edge, serve jobs; drain on SIGTERM/SIGINT. */
export async function runNodeCommand(options: NodeCommandOptions): Promise<number> {
  const log = jsonLogger();
  const token = options.token ?? process.env['PROXIMA_NODE_TOKEN'];
  if (!token) {
    log('error', 'node.config', {
      message: 'no node token: pass --token or set PROXIMA_NODE_TOKEN',
    });
    return 2;
  }
  const engine = await createLlamaEngine({
    modelPath: options.model,
    gpu: options.gpu,
    slots: options.slots,
    ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
    ...(options.reasoning === undefined ? {} : { reasoning: options.reasoning }),
  });
  const info = await engine.info();
  log('info', 'engine.ready', {
    models: engine.models,
    gpu: info.gpu,
    vramTotalBytes: info.vramTotalBytes,
  });

  const agent = new NodeAgent({
    edgeUrl: options.edge,
    token,
    nodeId: options.nodeId ?? defaultNodeId(),
    engine,
    engineName: 'llama.cpp',
    slots: options.slots,
    log,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log('warn', 'node.stop', { signal, message: 'second signal: stopping without draining' });
      agent.stop();
      return;
    }
    log('info', 'node.signal', { signal, drainTimeoutS: options.drainTimeout });
    const timer = setTimeout(() => {
      log('warn', 'node.drain_timeout', { message: 'jobs still running; stopping them' });
      agent.stop();
    }, options.drainTimeout * 1000);
    timer.unref();
    void agent.drain();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await agent.run();
    log('info', 'node.stopped', {});
    return 0;
  } catch (err) {
    log('error', 'node.fatal', { message: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await engine.close();
  }
}
