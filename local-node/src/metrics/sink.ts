// What the agent tells its metrics (`proxima node --metrics`): a narrow sink, so the agent and
// job runner know nothing of Prometheus, and run unchanged with the no-op default.

/** A generation (chunks, then done) or an embedding job. */
export type JobKind = 'generate' | 'embed';

/** How a job ended: answered, failed with an error frame, or cancelled (by the edge or a lost session). */
export type JobOutcome = 'ok' | 'error' | 'cancelled';

export interface FinishedJob {
  /** The model id the job named (an id the node serves: never free text). */
  readonly model: string;
  readonly kind: JobKind;
  readonly outcome: JobOutcome;
  /** From the job's arrival on this node (queue wait included) to its last frame. */
  readonly seconds: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** The agent's load, read at each scrape rather than pushed. */
export interface NodeLoadReader {
  slots(): number;
  inFlight(): number;
  queued(): number;
  /** Free GPU memory, or null when the engine reports none (no GPU). */
  vramFreeBytes(): Promise<number | null>;
}

export interface NodeMetricsSink {
  /** The agent hands over how to read its load, once. */
  observeLoad(reader: NodeLoadReader): void;
  jobFinished(job: FinishedJob): void;
  /** True once the edge welcomed this node; false when that session ends. */
  setConnected(connected: boolean): void;
  /** The node dials the edge again (any dial after the first). */
  reconnected(): void;
}

/** The default: metrics off. */
export const noMetrics: NodeMetricsSink = {
  observeLoad: () => undefined,
  jobFinished: () => undefined,
  setConnected: () => undefined,
  reconnected: () => undefined,
};
