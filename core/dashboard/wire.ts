// The dashboard's HTTP contract: what the edge streams to the page and what the page may ask.
// Plain data only, so the edge (which builds it), the page (which draws it) and the tests share it.

/** Where the page lives and what it calls; every API path needs a dashboard session cookie. */
export const DASHBOARD_PATHS = {
  page: '/dashboard',
  login: '/dashboard/api/login',
  logout: '/dashboard/api/logout',
  session: '/dashboard/api/session',
  stream: '/dashboard/api/stream',
  audit: '/dashboard/api/audit',
  drain: (nodeId: string) => `/dashboard/api/nodes/${encodeURIComponent(nodeId)}/drain`,
  readmit: (nodeId: string) => `/dashboard/api/nodes/${encodeURIComponent(nodeId)}/readmit`,
  keys: '/dashboard/api/keys',
  key: (keyId: string) => `/dashboard/api/keys/${encodeURIComponent(keyId)}`,
  nodeTokens: '/dashboard/api/node-tokens',
  nodeToken: (tokenId: string) => `/dashboard/api/node-tokens/${encodeURIComponent(tokenId)}`,
} as const;

/** The cookie holding a dashboard session (HttpOnly, SameSite=Strict; Secure over https). */
export const DASHBOARD_COOKIE = 'proxima_dashboard';

/**
 * Every state-changing dashboard call must carry this header with the value '1'. A cross-site form
 * cannot set it, so together with SameSite=Strict it closes CSRF.
 */
export const DASHBOARD_ACTION_HEADER = 'x-proxima-dashboard';

/** The SSE event names on the stream. */
export const DASHBOARD_EVENTS = { snapshot: 'snapshot', error: 'stream-error' } as const;

export const DASHBOARD_LIMITS = {
  /** A session lasts this long; rotating ADMIN_TOKEN ends every session at once. */
  sessionMs: 12 * 3600_000,
  /** Seconds of per-second points each snapshot carries. */
  seriesSeconds: 300,
  /** The longest login body accepted. */
  loginBodyBytes: 4096,
} as const;

/** POST login body. */
export interface LoginRequest {
  readonly token: string;
}

/** GET session answer (and the login's). */
export interface SessionView {
  /** 'admin' for the admin token. */
  readonly subject: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

export type NodeState = 'ready' | 'suspect' | 'draining' | 'gone';

export interface DashboardNode {
  readonly id: string;
  readonly engine: string;
  readonly gpu: string;
  readonly models: readonly string[];
  readonly state: NodeState;
  readonly slots: number;
  readonly inFlight: number;
  readonly queued: number;
  /** null when the node has not said (no GPU, or not connected). */
  readonly vramFreeBytes: number | null;
  /** ms since its last heartbeat or update. */
  readonly heartbeatAgeMs: number;
  /** Active sentinel alerts on it, as short sentences. */
  readonly alerts: readonly string[];
}

export interface DashboardBackend {
  readonly id: string;
  readonly breaker: 'closed' | 'open' | 'half_open';
  readonly latencyMs: number | null;
  readonly consecutiveFailures: number;
  readonly retryAfterMs: number;
}

/**
 * One point a second, oldest first, over the last `seconds` seconds: every array has the same
 * length as `t`. Latency is null in a second with no request.
 */
export interface DashboardSeries {
  /** Second starts, ms since the epoch. */
  readonly t: readonly number[];
  readonly requestsPerS: readonly number[];
  readonly errorsPerS: readonly number[];
  readonly p50Ms: readonly (number | null)[];
  readonly p95Ms: readonly (number | null)[];
  readonly p99Ms: readonly (number | null)[];
  readonly tokensPerS: readonly number[];
  /** Cache hits (exact + semantic) per second, and lookups per second. */
  readonly cacheHitsPerS: readonly number[];
  readonly cacheLookupsPerS: readonly number[];
}

/**
 * The fleet's traffic (the API routes, not admin, dashboard or metrics calls) since the edge's
 * metrics began; the hub keeps them across its restarts.
 */
export interface DashboardTotals {
  readonly requests: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cacheHits: number;
  readonly cacheSemanticHits: number;
  readonly cacheMisses: number;
  /** Errors by class (client, auth, rate_limited, backend, server). */
  readonly errorsByClass: Readonly<Record<string, number>>;
}

export interface DashboardRagNamespace {
  readonly tenant: string;
  readonly namespace: string;
  readonly shards: number;
  readonly directoryVersion: number;
  /** From the namespace object (read every 15 s at most); null when it could not be read. */
  readonly documents: number | null;
  readonly chunks: number | null;
}

export interface DashboardRaftPeer {
  readonly id: number;
  readonly reachable: boolean;
  readonly role: 'leader' | 'voter' | 'learner' | 'unknown';
  readonly term: number | null;
  readonly commit: number | null;
  readonly applied: number | null;
  /** The leader's commit index minus this peer's; null when either is unknown. */
  readonly lag: number | null;
}

export interface DashboardRaft {
  /** 0: no leader now. */
  readonly leader: number;
  readonly term: number | null;
  readonly commit: number | null;
  readonly peers: readonly DashboardRaftPeer[];
}

export interface DashboardTenantUsage {
  readonly tenant: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cacheHits: number;
  readonly errors: number;
}

/** One frame of the live view. A part that could not be read is null, with the reason in `problems`. */
export interface DashboardSnapshot {
  readonly at: number;
  readonly nodes: readonly DashboardNode[] | null;
  /** This isolate's routing memory (breakers are kept per isolate). */
  readonly backends: readonly DashboardBackend[];
  readonly series: DashboardSeries | null;
  readonly totals: DashboardTotals | null;
  readonly rag: readonly DashboardRagNamespace[] | null;
  readonly raft: DashboardRaft | null;
  readonly burst: { readonly configured: boolean; readonly inFlight: number } | null;
  /** Usage per tenant over the last 24 hours. */
  readonly tenants: readonly DashboardTenantUsage[] | null;
  /** part name → why it is null. */
  readonly problems: Readonly<Record<string, string>>;
}

/** One audited action, newest first in GET audit. */
export interface AuditEntry {
  readonly at: number;
  readonly subject: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: 'ok' | 'refused' | 'failed';
  readonly detail: string;
}
