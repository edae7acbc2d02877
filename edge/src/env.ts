import type { Limiter } from './limiter/limiter.ts';
import type { NodeSession } from './node-session/node-session.ts';
import type { Presence } from './presence/presence.ts';
import type { LshShard } from './rag/lsh-shard.ts';
import type { RagNamespace } from './rag/rag-namespace.ts';
import type { SemanticCache } from './cache/semantic-cache.ts';
import type { RaftPeer } from './raft/peer/raft-peer.ts';
import type { LegacyRegistry } from './registry/legacy-registry.ts';
import type { MetricsHub } from './metrics/metrics-hub.ts';
import type { AuditLog } from './dashboard/audit-log.ts';

export interface Env {
  /** The plain registry of earlier versions: only hands its rows over to the replicated one. */
  readonly REGISTRY: DurableObjectNamespace<LegacyRegistry>;
  readonly NODE_SESSION: DurableObjectNamespace<NodeSession>;
  /** Which nodes are connected now (not replicated: liveness never waits for consensus). */
  readonly PRESENCE: DurableObjectNamespace<Presence>;
  readonly RAFT_PEER: DurableObjectNamespace<RaftPeer>;
  readonly LIMITER: DurableObjectNamespace<Limiter>;
  /** One per tenant and RAG namespace: its catalogue, shard directory and writes. */
  readonly RAG_NAMESPACE: DurableObjectNamespace<RagNamespace>;
  /** The shards of RAG namespaces: vectors and BM25 postings of at most RAG_SHARD_SPLIT_CHUNKS chunks. */
  readonly LSH_SHARD: DurableObjectNamespace<LshShard>;
  /** One per tenant: its semantic cache of answers. */
  readonly SEMANTIC_CACHE: DurableObjectNamespace<SemanticCache>;
  /** The edge's metrics merged from every isolate (one instance): /metrics and the dashboard read it. */
  readonly METRICS_HUB: DurableObjectNamespace<MetricsHub>;
  /** Operators' actions from the dashboard, append-only (one instance). */
  readonly AUDIT_LOG: DurableObjectNamespace<AuditLog>;
  /** Bearer token for /admin routes. Unset: the admin API is off. Set it as a secret in production. */
  readonly ADMIN_TOKEN?: string;
  /**
   * Secret (at least DATA_KEY_MIN_CHARS characters) from which per-tenant AES-GCM keys for RAG
   * chunks and cached answers are derived (crypto/data-key.ts). Unset: those features refuse to
   * store anything. Losing it loses that data; set it as a secret in production.
   */
  readonly DATA_KEY?: string;
  /** The DATA_KEY before a rotation: still tried when opening data, never used to seal it. */
  readonly DATA_KEY_PREVIOUS?: string;
  /** Largest accepted request body in bytes (default 1 MiB). */
  readonly MAX_BODY_BYTES?: string;
  /** A node that sends no hello this long after connecting is closed with 4408 (default 10000). */
  readonly HELLO_TIMEOUT_MS?: string;
  /** "true": answers carry x-proxima-backend naming the node that served them (internal names; off by default). */
  readonly EXPOSE_BACKEND_HEADER?: string;
  /** Origins allowed to call the API from a browser: "*" or a comma-separated list. Unset: CORS off. */
  readonly CORS_ORIGINS?: string;
  /** Peers in the registry's Raft group (odd; default 3). */
  readonly RAFT_PEERS?: string;
  /** Location hints of raft-1, raft-2, … comma-separated (e.g. "wnam,enam,weur"). */
  readonly RAFT_LOCATION_HINTS?: string;
  /** Milliseconds per Raft tick (default 500). */
  readonly RAFT_TICK_MS?: string;
  /** Ticks without a leader before an election, randomized in [n, 2n) (default 10). */
  readonly RAFT_ELECTION_TICKS?: string;
  /** When proposals and reads reach Raft: "off" (one Ready per call), or a timer in ms (default 0). */
  readonly RAFT_BATCH_MS?: string;
  /** "on" only in test builds (edge/wrangler.test.jsonc): enables RaftPeer.setFaults and local reads. */
  readonly RAFT_FAULT_INJECTION?: string;
  /** How often nodes send heartbeats, in ms (default 2000: a silent node is suspect after 1.5 intervals). */
  readonly HEARTBEAT_MS?: string;
  /** A job whose node sends nothing for this long fails with 504/`upstream_timeout` (default 120000). */
  readonly JOB_IDLE_TIMEOUT_MS?: string;
  /**
   * OpenAI-compatible upstreams, the fallback tier after local nodes: a JSON array (see README,
   * "Upstreams"; validated by core/routing/upstreams.ts). Their keys are secrets named by `keyVar`.
   */
  readonly UPSTREAMS?: string;
  /** How long an upstream may take to answer (headers and first event, or the whole answer); default 60000. */
  readonly UPSTREAM_TIMEOUT_MS?: string;
  /**
   * The embedder of POST /v1/embeddings, RAG and the semantic cache: unset or "lexical" (built in,
   * 256-d), or JSON (README, "Embeddings"; validated by core/embed/config.ts). An "openai" one's key
   * is the secret named by `keyVar`; a "workers-ai" one uses the AI binding named by `binding`.
   */
  readonly EMBEDDER?: string;
  /** How long a remote embedder may take to answer one batch (default 30000). */
  readonly EMBEDDER_TIMEOUT_MS?: string;
  /** A stream whose backend sends nothing for this long after its first chunk is continued elsewhere (default 30000). */
  readonly STREAM_STALL_MS?: string;
  /** How many times one stream may move to another backend mid-way; 0 turns it off (default 2, at most 8). */
  readonly STREAM_CONTINUATIONS?: string;
  /** A RAG shard holding more chunks than this splits in two, live (default 20000). */
  readonly RAG_SHARD_SPLIT_CHUNKS?: string;
  /** A RAG shard no search read for this long frees its in-memory index until the next (default 120000). */
  readonly RAG_SHARD_IDLE_MS?: string;
  /**
   * Shards a RAG query visits: every shard whose centroid is within RAG_PROBE_DELTA (cosine,
   * default 0.15) of the nearest, at least RAG_PROBE_MIN_SHARDS (default 4) and at most
   * RAG_PROBE_MAX_SHARDS (default 16, the fan-out bound). Equal bounds and delta 0 give a fixed P.
   */
  readonly RAG_PROBE_MIN_SHARDS?: string;
  readonly RAG_PROBE_MAX_SHARDS?: string;
  readonly RAG_PROBE_DELTA?: string;
  /**
   * The semantic cache's mode when a request does not say (`proxima.cache.mode`): "off" (default),
   * "exact" or "semantic". A cached answer ignores sampling, so it is opt-in.
   */
  readonly CACHE_MODE?: string;
  /**
   * Hosts whose image URLs (`image_url.url`) the edge fetches for nodes: comma-separated host names,
   * `*.example.com` for every subdomain (core/protocol/openai/image-hosts.ts). Unset or empty: only
   * data URLs. Every host named here can be made to serve a request of any client: trusted ones only.
   */
  readonly IMAGE_URL_HOSTS?: string;
  /** How long fetching one image URL may take, redirects and body included (default 10000). */
  readonly IMAGE_FETCH_TIMEOUT_MS?: string;
  /**
   * The Azure Function App that runs burst jobs (docs/design/0033), e.g.
   * `https://app.azurewebsites.net`; jobs go to `<url>/api/jobs`. Unset: no burst tier, and
   * /v1/ocr and /v1/audio/transcriptions answer 503.
   */
  readonly AZURE_FUNCTION_URL?: string;
  /** The HMAC secret shared with the Function App (its PROXIMA_BURST_SECRET), ≥ 32 characters. */
  readonly BURST_SECRET?: string;
  /**
   * Chat models the Function App's Foundry serves, with their capabilities:
   * `gpt-4o-mini:tools+json_schema,gpt-4o:vision+tools` (core/routing/burst.ts).
   */
  readonly AZURE_BURST_MODELS?: string;
  /** How long an isolate gathers metrics before sending them to the hub, in ms (default 1000). */
  readonly METRICS_FLUSH_MS?: string;
  /** How often the dashboard's live stream sends a frame, in ms (default 1000). */
  readonly DASHBOARD_TICK_MS?: string;
  /** How long the edge waits for a burst job to finish before a 504 naming it (default 120000). */
  readonly BURST_WAIT_MS?: string;
}

/**
 * The old registry's one instance, whose SQLite still holds an upgraded deployment's keys, node
 * tokens and tenants until they are handed over (see registry/hand-over.ts).
 */
export function legacyRegistryStub(env: Env): DurableObjectStub<LegacyRegistry> {
  return env.REGISTRY.get(env.REGISTRY.idFromName('global'));
}

/** The one presence view: connected nodes and what they serve. */
export function presenceStub(env: Env): DurableObjectStub<Presence> {
  return env.PRESENCE.get(env.PRESENCE.idFromName('global'));
}

/** One limiter per tenant: its rate limits, budgets and usage. */
export function limiterStub(env: Env, tenant: string): DurableObjectStub<Limiter> {
  return env.LIMITER.get(env.LIMITER.idFromName(tenant));
}

export function nodeSessionStub(env: Env, nodeId: string): DurableObjectStub<NodeSession> {
  return env.NODE_SESSION.get(env.NODE_SESSION.idFromName(nodeId));
}

/** An integer setting in [min, max]; unset or empty is the fallback; anything else throws, naming it. */
export function intVar(
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  return rangedVar(value, fallback, min, max, 'integer');
}

/** A finite number setting in [min, max], read as intVar reads integers. */
export function numberVar(
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  return rangedVar(value, fallback, min, max, 'number');
}

function rangedVar(
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  kind: 'integer' | 'number',
): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  const ok = kind === 'integer' ? Number.isInteger(n) : Number.isFinite(n);
  if (!ok || n < min || n > max) {
    throw new Error(
      `configuration value ${JSON.stringify(value)} must be ${kind === 'integer' ? 'an integer' : 'a number'} in [${min}, ${max}]`,
    );
  }
  return n;
}

/** How often nodes heartbeat: NodeSession tells nodes, Presence judges liveness by it. */
export function heartbeatIntervalMs(env: Env): number {
  return intVar(env.HEARTBEAT_MS, 2000, 100, 600_000);
}
