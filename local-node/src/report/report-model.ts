import type { Section } from '../cli/status-view.ts';
import type { RouteLatency } from './route-latency.ts';

/** What the report shows, built by `buildReport` and drawn by `renderReportHtml`. Plain data. */

/** Usage summed over some rows: the whole range, one tenant, one model or one backend. */
export interface UsageLine {
  /** The tenant, model or backend; '' for the grand total. */
  readonly name: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cacheHits: number;
  readonly errors: number;
  /** Null with no request. */
  readonly meanLatencyMs: number | null;
  readonly maxLatencyMs: number;
}

/** One hour of the range, every tenant summed; hours without a request are zeros. */
export interface HourPoint {
  /** Start of the hour, ms since the epoch. */
  readonly hour: number;
  readonly requests: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface CacheSavings {
  /** Where the numbers come from: rows of backend `cache`, or the rows' cacheHits counts. */
  readonly basis: 'backend' | 'cacheHits';
  /** Requests answered by the cache, and their share of all requests (null with none). */
  readonly requests: number;
  readonly requestShare: number | null;
  /** Completion tokens the usage records under backend `cache` (null on the cacheHits basis). */
  readonly recordedCompletionTokens: number | null;
  /**
   * Completion tokens the cache spared generating: each hit times the mean completion tokens of
   * its model's generated answers in the range. Null on the cacheHits basis.
   */
  readonly estimatedCompletionTokens: number | null;
  /** The estimate's share of all completion tokens, generated plus spared. */
  readonly estimatedCompletionShare: number | null;
  /** Hits whose model had no generated answer to compare with (left out of the estimate). */
  readonly hitsWithoutEstimate: number;
}

/** ready, suspect, draining, degraded (an active alert), gone or disconnected. */
export type NodeStateLabel =
  'ready' | 'suspect' | 'draining' | 'degraded' | 'gone' | 'disconnected';

export interface NodeLine {
  readonly id: string;
  readonly state: NodeStateLabel;
  readonly engine: string;
  readonly gpu: string;
  readonly models: readonly string[];
  readonly slots: number;
  readonly inFlight: number | null;
  readonly queued: number | null;
  /** ms since the epoch of its last heartbeat or update. */
  readonly updatedAt: number;
}

export interface RaftPeerLine {
  readonly id: number;
  /** The peer's error when it did not answer; null when it did. */
  readonly error: string | null;
  readonly term: number | null;
  readonly commit: number | null;
}

export interface RaftSummary {
  /** 0: no leader. */
  readonly leader: number;
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  readonly peers: readonly RaftPeerLine[];
}

export type IncidentKind = 'alert' | 'alert cleared' | 'operator action' | 'error hour';

export interface Incident {
  /** When it began (an hour's start, an alert's raising, an action's time), ms since the epoch. */
  readonly at: number;
  readonly kind: IncidentKind;
  /** The backend, the audit target, or the hour. */
  readonly subject: string;
  readonly text: string;
  /** An alert still active. */
  readonly ongoing: boolean;
}

export interface Incidents {
  /** The rules that made the list, in words (printed above it). */
  readonly rules: readonly string[];
  /** Newest first. */
  readonly items: readonly Incident[];
  /** Sources that could not be read, so the list may lack their incidents. */
  readonly unavailable: readonly string[];
}

export interface ReportModel {
  readonly edge: string;
  readonly generatedAt: number;
  readonly since: string;
  readonly from: number;
  readonly to: number;
  readonly totals: UsageLine;
  /** Busiest first. */
  readonly tenants: readonly UsageLine[];
  readonly hourly: Section<readonly HourPoint[]>;
  readonly models: Section<readonly UsageLine[]>;
  readonly backends: Section<readonly UsageLine[]>;
  readonly cache: CacheSavings;
  /** Since the edge's metrics began, not over the range. */
  readonly latency: Section<readonly RouteLatency[]>;
  readonly nodes: Section<readonly NodeLine[]>;
  readonly raft: Section<RaftSummary>;
  readonly incidents: Incidents;
}
