// A real agent against the stand-in edge, its metrics on a real /metrics endpoint, each scrape
// read by a Prometheus text-format parser.
import {
  encode,
  NODE_PROTOCOL_VERSION,
  type EmbedJobRequest,
  type JobRequest,
} from '@proxima/core/protocol';
import { LATENCY_BUCKETS_S, NODE_METRICS } from '@proxima/core/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket as ServerSocket } from 'ws';
import { NodeAgent } from '../agent/agent.ts';
import { fakeEdge } from '../agent/edge-stand-in.testing.ts';
import { silentLogger } from '../agent/log.ts';
import type { EmbedRequest, Engine, EngineInfo, GenerateEvent } from '../engine/engine.ts';
import { startMetricsServer } from './metrics-server.ts';
import { createNodeMetrics } from './prom-node-metrics.ts';
import { bucketsOf, familyOf, scrape, valueOf } from './scrape.testing.ts';

const M = NODE_METRICS;
const TOKEN = 'pxn_metrics_test_token_0123456789';
const SECRET_PROMPT = 'my-secret-prompt-words';
const USAGE = { promptTokens: 7, completionTokens: 3 };

/**
 * Chat model 'm' and embedding model 'vec'. A prompt 'fail' throws; 'hang' runs until aborted;
 * anything else answers with USAGE.
 */
function testEngine(info: Partial<EngineInfo> = {}): Engine {
  return {
    models: [
      { id: 'm', contextSize: 64, description: 'test' },
      { id: 'vec', kind: 'embed', contextSize: 64, description: 'vectors' },
    ],
    info: () =>
      Promise.resolve({ engine: 't', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0, ...info }),
    async *generate(req, signal): AsyncGenerator<GenerateEvent> {
      const last = req.messages.at(-1)?.content;
      await Promise.resolve();
      if (last === 'fail') throw new Error('engine broke');
      if (last === 'hang') {
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      }
      yield { type: 'delta', text: 'ok' };
      yield { type: 'done', finishReason: 'stop', usage: USAGE };
    },
    embed: (req: EmbedRequest) =>
      Promise.resolve({
        vectors: req.inputs.map(() => Float32Array.from([1, 0, 0])),
        promptTokens: 5,
      }),
    close: () => Promise.resolve(),
  };
}

const job = (content: string): JobRequest => ({
  model: 'm',
  messages: [{ role: 'user', content }],
  maxTokens: 8,
  temperature: 1,
  topP: 1,
  stop: [],
  seed: null,
});

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** An agent with metrics on 127.0.0.1, welcomed by the stand-in edge. */
async function metricsNode(options: { engine?: Engine; slots?: number } = {}) {
  const edge = await fakeEdge();
  const metrics = createNodeMetrics();
  const server = await startMetricsServer({
    registry: metrics.registry,
    host: '127.0.0.1',
    port: 0,
  });
  const agent = new NodeAgent({
    edgeUrl: edge.url,
    token: TOKEN,
    nodeId: 'metrics-node',
    engine: options.engine ?? testEngine(),
    engineName: 'test',
    slots: options.slots ?? 1,
    log: silentLogger,
    backoff: { baseMs: 10, maxMs: 20 },
    metrics,
  });
  const running = agent.run();
  cleanup.push(async () => {
    agent.stop();
    await running.catch(() => undefined);
    edge.server.close();
    await server.close();
  });
  const ws: ServerSocket = await edge.socket;
  await edge.next('hello');
  const before = await scrape(server.url);
  ws.send(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs: 60_000 }));
  await until(async () => valueOf(await scrape(server.url), M.edgeConnected.name) === 1);
  return { edge, ws, url: server.url, before };
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('node metrics on a real agent run', () => {
  it('serves every catalogue metric with its type and help, beside process metrics', async () => {
    const { url } = await metricsNode();
    const s = await scrape(url);
    expect(s.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const spec of Object.values(M)) {
      const family = familyOf(s, spec.name);
      expect(family, spec.name).toBeDefined();
      expect(family?.type).toBe(spec.type.toUpperCase());
      expect(family?.help).toBe(spec.help);
    }
    expect(valueOf(s, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(familyOf(s, 'nodejs_heap_size_used_bytes')).toBeDefined();
  });

  it('a finished job moves the jobs and tokens counters and puts a sample in the histogram', async () => {
    const { edge, ws, url, before } = await metricsNode();
    const okLabels = { model: 'm', kind: 'generate', outcome: 'ok' };
    expect(valueOf(before, M.edgeConnected.name)).toBe(0);
    expect(valueOf(before, M.jobs.name, okLabels)).toBeUndefined();
    expect(bucketsOf(before, M.jobDuration.name)).toBeUndefined();

    ws.send(encode({ type: 'job', jobId: 'j1', request: job(SECRET_PROMPT) }));
    await edge.next('done');
    const after = await scrape(url);
    expect(valueOf(after, M.jobs.name, okLabels)).toBe(1);
    expect(valueOf(after, M.tokens.name, { model: 'm', direction: 'prompt' })).toBe(
      USAGE.promptTokens,
    );
    expect(valueOf(after, M.tokens.name, { model: 'm', direction: 'completion' })).toBe(
      USAGE.completionTokens,
    );
    const buckets = bucketsOf(after, M.jobDuration.name);
    expect(Object.keys(buckets ?? {}).sort()).toEqual(
      [...LATENCY_BUCKETS_S.map(String), '+Inf'].sort(),
    );
    expect(buckets?.['+Inf']).toBe(1);
    expect(after.text).toContain(`${M.jobDuration.name}_count{model="m"} 1\n`);
    // Labels carry ids only: never the prompt, never the token.
    expect(after.text).not.toContain(SECRET_PROMPT);
    expect(after.text).not.toContain(TOKEN);

    // An embedding job counts under its own kind, with its prompt tokens.
    const embed: EmbedJobRequest = { model: 'vec', inputs: ['a', 'b'] };
    ws.send(encode({ type: 'embed', jobId: 'e1', request: embed }));
    await edge.next('embedding');
    const embedded = await scrape(url);
    expect(valueOf(embedded, M.jobs.name, { model: 'vec', kind: 'embed', outcome: 'ok' })).toBe(1);
    expect(valueOf(embedded, M.tokens.name, { model: 'vec', direction: 'prompt' })).toBe(5);
    expect(valueOf(embedded, M.tokens.name, { model: 'vec', direction: 'completion' })).toBe(
      undefined,
    );
  });

  it('counts failed and cancelled jobs by outcome, and reads the load gauges at each scrape', async () => {
    const engine = testEngine({ gpu: 'cuda', vramTotalBytes: 8e9, vramFreeBytes: 5e9 });
    const { edge, ws, url } = await metricsNode({ engine, slots: 1 });
    ws.send(encode({ type: 'job', jobId: 'broken', request: job('fail') }));
    expect(await edge.next('error')).toMatchObject({ jobId: 'broken', code: 'engine_failed' });

    ws.send(encode({ type: 'job', jobId: 'long', request: job('hang') }));
    ws.send(encode({ type: 'job', jobId: 'waiting', request: job('hi') }));
    await until(async () => valueOf(await scrape(url), M.inFlight.name) === 1);
    const busy = await scrape(url);
    expect(valueOf(busy, M.slots.name)).toBe(1);
    expect(valueOf(busy, M.queued.name)).toBe(1);
    expect(valueOf(busy, M.vramFree.name)).toBe(5e9);

    ws.send(encode({ type: 'cancel', jobId: 'waiting', reason: 'client went away' }));
    ws.send(encode({ type: 'cancel', jobId: 'long', reason: 'client went away' }));
    await until(async () => valueOf(await scrape(url), M.inFlight.name) === 0);
    const s = await scrape(url);
    expect(valueOf(s, M.queued.name)).toBe(0);
    expect(valueOf(s, M.jobs.name, { model: 'm', kind: 'generate', outcome: 'error' })).toBe(1);
    expect(valueOf(s, M.jobs.name, { model: 'm', kind: 'generate', outcome: 'cancelled' })).toBe(2);
    expect(valueOf(s, M.jobs.name, { model: 'm', kind: 'generate', outcome: 'ok' })).toBe(
      undefined,
    );
    // The failed job has a duration sample; cancelled jobs do not (the caller chose their length).
    expect(bucketsOf(s, M.jobDuration.name)?.['+Inf']).toBe(1);
    expect(valueOf(s, M.tokens.name, { model: 'm', direction: 'prompt' })).toBeUndefined();
  });

  it('losing the edge: connected drops to 0 and the redial is counted', async () => {
    const { edge, ws, url } = await metricsNode();
    expect(valueOf(await scrape(url), M.edgeReconnects.name)).toBe(0);
    ws.close(1012, 'edge restarting');
    await edge.next('hello'); // the agent dialled again
    const s = await scrape(url);
    expect(valueOf(s, M.edgeConnected.name)).toBe(0);
    expect(valueOf(s, M.edgeReconnects.name)).toBe(1);
  });

  it('without an agent the load gauges have no sample, and no GPU leaves VRAM absent', async () => {
    const metrics = createNodeMetrics();
    const server = await startMetricsServer({
      registry: metrics.registry,
      host: '127.0.0.1',
      port: 0,
    });
    cleanup.push(() => server.close());
    const s = await scrape(server.url);
    for (const spec of [M.slots, M.inFlight, M.queued, M.vramFree])
      expect(familyOf(s, spec.name)?.metrics, spec.name).toEqual([]);

    const { url } = await metricsNode(); // its engine reports no GPU memory
    const withAgent = await scrape(url);
    expect(valueOf(withAgent, M.slots.name)).toBe(1);
    expect(familyOf(withAgent, M.vramFree.name)?.metrics).toEqual([]);
  });
});
