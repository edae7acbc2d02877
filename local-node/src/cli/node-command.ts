import { hostname } from 'node:os';
import { NodeAgent } from '../agent/agent.ts';
import { jsonLogger, type Logger } from '../agent/log.ts';
import {
  assertListenAllowed,
  parseListenAddress,
  startLocalApi,
  type LocalApi,
} from '../local-api/server.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.ts';
import { createNodeMetrics } from '../metrics/prom-node-metrics.ts';
import { startNodeEngines, type NodeEngineFlags } from './node-engines.ts';

export interface NodeCommandOptions extends NodeEngineFlags {
  readonly edge?: string;
  readonly token?: string;
  readonly listen?: string;
  readonly listenKey?: string;
  /** HOST:PORT for GET /metrics (Prometheus); off when absent. */
  readonly metrics?: string;
  readonly nodeId?: string;
  readonly drainTimeout: number;
}

/** The port `--metrics` help and errors suggest (OpenTelemetry's Prometheus exporter uses it). */
export const METRICS_EXAMPLE_PORT = 9464;

export function defaultNodeId(): string {
  const cleaned = hostname()
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .slice(0, 128);
  return cleaned === '' ? 'node' : cleaned;
}

/** Flag combinations that cannot work, checked before any model loads; null when fine. */
function configError(options: NodeCommandOptions, token: string | undefined): string | null {
  if (options.edge === undefined && options.listen === undefined)
    return 'nothing to serve to: pass --edge URL, --listen HOST:PORT, or both';
  if (options.edge !== undefined && !token)
    return 'no node token: pass --token or set PROXIMA_NODE_TOKEN';
  if (options.draftModel !== undefined && options.promptLookup === true)
    return '--draft-model and --prompt-lookup are two kinds of speculative decoding: pass one';
  if ((options.draftModel !== undefined || options.promptLookup === true) && !options.model)
    return '--draft-model and --prompt-lookup speed up the --model GGUF: pass --model too';
  return null;
}

/**
 * `proxima node`: start the engines, dial out to the edge and/or serve the local API, run jobs;
 * drain on SIGTERM/SIGINT.
 */
export async function runNodeCommand(options: NodeCommandOptions): Promise<number> {
  const log = jsonLogger();
  const token = options.token ?? process.env['PROXIMA_NODE_TOKEN'];
  const listenKey = options.listenKey ?? process.env['PROXIMA_LISTEN_KEY'];
  const openaiKey = options.openaiKey ?? process.env['PROXIMA_OPENAI_KEY'];
  let problem = configError(options, token);
  let listen: { host: string; port: number } | undefined;
  if (problem === null && options.listen !== undefined) {
    try {
      listen = parseListenAddress(options.listen);
      assertListenAllowed(listen.host, listenKey);
    } catch (err) {
      problem = `--listen: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  let metricsAt: { host: string; port: number } | undefined;
  if (problem === null && options.metrics !== undefined) {
    try {
      metricsAt = parseListenAddress(options.metrics, '--metrics', METRICS_EXAMPLE_PORT);
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
  }
  if (problem !== null) {
    log('error', 'node.config', { message: problem });
    return 2;
  }

  let engines;
  try {
    engines = await startNodeEngines(
      { ...options, ...(openaiKey === undefined ? {} : { openaiKey }) },
      log,
    );
  } catch (err) {
    log('error', 'engine.failed', { message: err instanceof Error ? err.message : String(err) });
    return 1;
  }
  const { engine } = engines;
  const info = await engine.info();
  log('info', 'engine.ready', {
    engine: engine.name,
    models: engine.models,
    gpu: info.gpu,
    vramTotalBytes: info.vramTotalBytes,
    slots: engines.slots(),
  });

  let localApi: LocalApi | undefined;
  let metricsServer: MetricsServer | undefined;
  const metrics = metricsAt === undefined ? undefined : createNodeMetrics();
  try {
    if (metrics !== undefined && metricsAt !== undefined) {
      metricsServer = await startMetricsServer({ registry: metrics.registry, ...metricsAt, log });
    }
    if (listen !== undefined) {
      localApi = await startLocalApi({
        engine,
        host: listen.host,
        port: listen.port,
        log,
        ...(listenKey === undefined ? {} : { apiKey: listenKey }),
      });
    }
    const agent =
      options.edge === undefined || token === undefined
        ? null
        : new NodeAgent({
            edgeUrl: options.edge,
            token,
            nodeId: options.nodeId ?? defaultNodeId(),
            engine,
            engineName: engine.name,
            slots: engines.slots,
            log,
            ...(metrics === undefined ? {} : { metrics }),
          });
    return await serveUntilSignal(agent, options.drainTimeout, log);
  } catch (err) {
    log('error', 'node.fatal', { message: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    await localApi?.close();
    await metricsServer?.close();
    await engine.close();
  }
}

/** Runs the agent (or, serving only locally, waits) until a signal: the first drains, a second stops. */
async function serveUntilSignal(
  agent: NodeAgent | null,
  drainTimeout: number,
  log: Logger,
): Promise<number> {
  let signals = 0;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (agent === null) {
      log('info', 'node.signal', { signal });
      wake();
      return;
    }
    if (signals > 1) {
      log('warn', 'node.stop', { signal, message: 'second signal: stopping without draining' });
      agent.stop();
      return;
    }
    log('info', 'node.signal', { signal, drainTimeoutS: drainTimeout });
    const timer = setTimeout(() => {
      log('warn', 'node.drain_timeout', { message: 'jobs still running; stopping them' });
      agent.stop();
    }, drainTimeout * 1000);
    timer.unref();
    void agent.drain();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (agent === null) await stopped;
    else await agent.run();
    log('info', 'node.stopped', {});
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
