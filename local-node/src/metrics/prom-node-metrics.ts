// The node's metrics on prom-client: one registry per node process (not prom-client's global
// one), every metric made from core's catalogue, beside prom-client's process and heap metrics.
import { LATENCY_BUCKETS_S, NODE_METRICS, type MetricSpec } from '@proxima/core/metrics';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FinishedJob, NodeLoadReader, NodeMetricsSink } from './sink.ts';

export interface NodeMetrics extends NodeMetricsSink {
  /** What GET /metrics serves: `registry.metrics()` as `registry.contentType`. */
  readonly registry: Registry;
}

type GaugeCollect = (gauge: Gauge) => void | Promise<void>;

function counterOf(spec: MetricSpec, registry: Registry): Counter {
  return new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
  });
}

function histogramOf(spec: MetricSpec, registry: Registry): Histogram {
  return new Histogram({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    buckets: [...LATENCY_BUCKETS_S],
    registers: [registry],
  });
}

/** A gauge whose value `collect` reads at each scrape. */
function gaugeOf(spec: MetricSpec, registry: Registry, collect?: GaugeCollect): Gauge {
  return new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labels,
    registers: [registry],
    ...(collect === undefined
      ? {}
      : {
          collect: async function () {
            await collect(this);
          },
        }),
  });
}

/** Sets a label-less gauge, or leaves it without a sample when there is nothing to say. */
function setOrAbsent(gauge: Gauge, value: number | null | undefined): void {
  if (value === null || value === undefined) gauge.remove();
  else gauge.set(value);
}

/** A fresh registry holding the node's metrics, and the sink the agent feeds. */
export function createNodeMetrics(): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let reader: NodeLoadReader | undefined;
  const m = NODE_METRICS;
  const jobs = counterOf(m.jobs, registry);
  const jobDuration = histogramOf(m.jobDuration, registry);
  const tokens = counterOf(m.tokens, registry);
  // Without an agent (local API only) the load gauges have no sample rather than a made-up 0.
  gaugeOf(m.slots, registry, (g) => setOrAbsent(g, reader?.slots()));
  gaugeOf(m.inFlight, registry, (g) => setOrAbsent(g, reader?.inFlight()));
  gaugeOf(m.queued, registry, (g) => setOrAbsent(g, reader?.queued()));
  gaugeOf(m.vramFree, registry, async (g) => {
    // A failing engine must not fail the whole scrape: the gauge is just absent this time.
    const free = await reader?.vramFreeBytes().catch(() => null);
    setOrAbsent(g, free);
  });
  const connected = gaugeOf(m.edgeConnected, registry);
  const reconnects = counterOf(m.edgeReconnects, registry);

  return {
    registry,
    observeLoad(r) {
      reader = r;
    },
    jobFinished(job: FinishedJob) {
      const { model, kind, outcome } = job;
      jobs.inc({ model, kind, outcome });
      // A cancelled job's length is the caller's choice, not this node's speed.
      if (outcome !== 'cancelled') jobDuration.observe({ model }, job.seconds);
      if (job.promptTokens > 0) tokens.inc({ model, direction: 'prompt' }, job.promptTokens);
      if (job.completionTokens > 0)
        tokens.inc({ model, direction: 'completion' }, job.completionTokens);
    },
    setConnected(isConnected) {
      connected.set(isConnected ? 1 : 0);
    },
    reconnected() {
      reconnects.inc();
    },
  };
}
