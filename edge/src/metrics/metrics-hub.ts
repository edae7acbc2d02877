import { DurableObject } from 'cloudflare:workers';
import type { DashboardSeries, DashboardTotals } from '@proxima/core/dashboard';
import {
  metricsBatchSchema,
  MetricsStore,
  type CounterFamily,
  type HistogramFamily,
  type StoredMetrics,
} from '@proxima/core/metrics';
import { parseOrThrow } from '@proxima/core/protocol';
import type { Env } from '../env.ts';

/** How often the cumulative counters are written down at most: a restart loses at most this. */
const PERSIST_EVERY_MS = 5000;

export interface MetricsView {
  readonly series: DashboardSeries;
  readonly totals: DashboardTotals;
  readonly burstInFlight: number;
  readonly droppedSeries: number;
}

/**
 * The edge's metrics, merged from every isolate's batches (one instance, "global"). It only
 * merges and answers: isolates flush to it about once a second, /metrics and the dashboard read it.
 * The per-second window lives in memory; the cumulative counters are kept in SQLite.
 */
export class MetricsHub extends DurableObject<Env> {
  private readonly store = new MetricsStore();
  private persistedAt = 0;
  private dirty = false;
  private alarmSet = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS kept (id INTEGER PRIMARY KEY, json TEXT NOT NULL)',
    );
    const row = ctx.storage.sql
      .exec<{ json: string }>('SELECT json FROM kept WHERE id = 1')
      .toArray()[0];
    if (row) this.store.restore(JSON.parse(row.json) as StoredMetrics);
  }

  /** One isolate's batch; refused whole (400) when it does not parse. */
  record(batch: unknown): void {
    const parsed = parseOrThrow(metricsBatchSchema, batch, 'metrics batch');
    const now = Date.now();
    this.store.apply(parsed, now);
    this.dirty = true;
    if (now - this.persistedAt >= PERSIST_EVERY_MS) this.persist(now);
    else if (!this.alarmSet) {
      this.alarmSet = true;
      void this.ctx.storage.setAlarm(this.persistedAt + PERSIST_EVERY_MS);
    }
  }

  view(seconds: number): MetricsView {
    const now = Date.now();
    return {
      series: this.store.series(now, seconds),
      totals: this.store.totals(),
      burstInFlight: this.store.burstInFlight(now),
      droppedSeries: this.store.dropped,
    };
  }

  families(): {
    counters: CounterFamily[];
    histograms: HistogramFamily[];
    burstInFlight: number;
    droppedSeries: number;
  } {
    return {
      ...this.store.families(),
      burstInFlight: this.store.burstInFlight(Date.now()),
      droppedSeries: this.store.dropped,
    };
  }

  override alarm(): void {
    this.alarmSet = false;
    if (this.dirty) this.persist(Date.now());
  }

  private persist(now: number): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO kept (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json',
      JSON.stringify(this.store.stored()),
    );
    this.persistedAt = now;
    this.dirty = false;
  }
}
