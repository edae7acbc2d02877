import { DurableObject } from 'cloudflare:workers';
import {
  alertsOf,
  closeBaselines,
  freshBaselines,
  freshLiveness,
  isDegraded,
  livenessAt,
  observeJob,
  onHeartbeat,
  parseJobObservation,
  sweepBaselines,
  type Backend,
  type Baselines,
  type ClearedAlert,
  type JobObservation,
  type Liveness,
  type LivenessVerdict,
  type SentinelAlert,
  type SentinelEvent,
} from '@proxima/core/routing';
import {
  MODEL_CAPABILITIES,
  MODEL_KINDS,
  type ModelCapability,
  type ModelKind,
} from '@proxima/core/protocol';
import { heartbeatIntervalMs, type Env } from '../env.ts';
import { pruneCatalogue, PRUNE_EVERY_MS } from './catalogue.ts';

export interface NodeAnnouncement {
  readonly nodeId: string;
  readonly session: number;
  readonly models: readonly string[];
  readonly engine: string;
  readonly gpu: string;
  readonly slots: number;
  /** Optional capabilities from its hello (NODE_FEATURES), e.g. 'continue'. */
  readonly features: readonly string[];
  /** What each model can do beyond plain chat (MODEL_CAPABILITIES), by model id. */
  readonly capabilities: Readonly<Record<string, readonly ModelCapability[]>>;
  /** Each model's context window in tokens, by model id, as its hello announced it. */
  readonly contextSizes?: Readonly<Record<string, number>>;
  /** Each model's kind, by model id, as its hello announced it; a model not listed is 'generate'. */
  readonly kinds?: Readonly<Record<string, ModelKind>>;
}

/** A model some connected node serves, with what those nodes announced of it. */
export interface ServedModel {
  readonly id: string;
  /** The largest context (tokens) among the nodes serving it: routing may pick any of them. */
  readonly contextLength: number | null;
  /** Every capability some node serving it has: routing picks a capable node (core/routing). */
  readonly capabilities: readonly ModelCapability[];
  /** What it is for: 'generate' when any node serves it so, else the first of MODEL_KINDS announced. */
  readonly kind: ModelKind;
}

export interface NodeView extends NodeAnnouncement {
  readonly connected: boolean;
  readonly draining: boolean;
  readonly updatedAt: number;
}

/** A node for operators: null health and load, and no alerts, when it is not connected. */
export interface NodeStatus extends NodeView {
  readonly health: LivenessVerdict | null;
  readonly load: NodeLoad | null;
  /** The sentinel's active alerts (core/routing/baseline.ts): while any is, routing prefers others. */
  readonly alerts: readonly SentinelAlert[];
}

/** GET /admin/alerts: the sentinel's alerts now, and those cleared lately (newest first). */
export interface AlertsReport {
  readonly alerts: readonly SentinelAlert[];
  readonly cleared: readonly ClearedAlert[];
}

/** Cleared alerts kept for GET /admin/alerts, newest first; in memory, so a restart forgets them. */
export const RECENT_CLEARED_MAX = 50;

/** What a heartbeat says of a node's load. */
export interface NodeLoad {
  readonly inFlight: number;
  readonly queued: number;
  readonly vramFreeBytes: number;
  /** Jobs it runs at once now, when it says (it follows its free VRAM); absent: hello's figure. */
  readonly slots?: number;
}

/** A connected node as routing sees it: its announcement, its load, and the sentinel's verdicts. */
interface LiveNode {
  readonly view: NodeView;
  readonly load: NodeLoad;
  readonly liveness: Liveness;
  /** Latency and error baselines of its finished jobs, and their alerts. */
  readonly sentinel: Baselines;
}

interface NodeRow extends Record<string, SqlStorageValue> {
  node_id: string;
  models_json: string;
  capabilities_json: string;
  engine: string;
  gpu: string;
  slots: number;
  session: number;
  connected: number;
  draining: number;
  updated_at: number;
  features_json: string;
  contexts_json: string;
  kinds_json: string;
}

/**
 * Which nodes are connected now, what they serve and whether they drain: hot, ephemeral facts,
 * deliberately outside the replicated registry, so liveness never waits for consensus. One
 * instance ("global"). NodeSession objects report here; a node's reconnect rebuilds its entry,
 * so losing this object's state costs a reconnect, not a fact. Connected nodes are mirrored in
 * memory so routing does no SQL.
 */
export class Presence extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly live = new Map<string, LiveNode>();
  private readonly heartbeatMs: number;
  /** In memory: a restarted object prunes on its first connect, which is harmless. */
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  /** Alerts cleared lately, newest first, at most RECENT_CLEARED_MAX. */
  private cleared: ClearedAlert[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.heartbeatMs = heartbeatIntervalMs(env);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS nodes (
         node_id TEXT PRIMARY KEY, models_json TEXT NOT NULL, engine TEXT NOT NULL,
         gpu TEXT NOT NULL, slots INTEGER NOT NULL, session INTEGER NOT NULL,
         connected INTEGER NOT NULL, draining INTEGER NOT NULL, updated_at INTEGER NOT NULL,
         features_json TEXT NOT NULL DEFAULT '[]',
         capabilities_json TEXT NOT NULL DEFAULT '{}',
         contexts_json TEXT NOT NULL DEFAULT '{}',
         kinds_json TEXT NOT NULL DEFAULT '{}')`,
    );
    // Tables made before features (or capabilities) were kept get the column; their rows list
    // none until a reconnect.
    const columns = this.sql.exec<{ name: string }>('PRAGMA table_info(nodes)').toArray();
    if (!columns.some((c) => c.name === 'features_json')) {
      this.sql.exec(`ALTER TABLE nodes ADD COLUMN features_json TEXT NOT NULL DEFAULT '[]'`);
    }
    if (!columns.some((c) => c.name === 'capabilities_json')) {
      this.sql.exec(`ALTER TABLE nodes ADD COLUMN capabilities_json TEXT NOT NULL DEFAULT '{}'`);
    }
    if (!columns.some((c) => c.name === 'contexts_json')) {
      this.sql.exec(`ALTER TABLE nodes ADD COLUMN contexts_json TEXT NOT NULL DEFAULT '{}'`);
    }
    if (!columns.some((c) => c.name === 'kinds_json')) {
      this.sql.exec(`ALTER TABLE nodes ADD COLUMN kinds_json TEXT NOT NULL DEFAULT '{}'`);
    }
    // After a restart every connected node gets a fresh grace period: its next heartbeat or its
    // silence decides.
    const now = Date.now();
    for (const row of this.sql.exec<NodeRow>('SELECT * FROM nodes WHERE connected = 1')) {
      const view = rowToNode(row);
      this.live.set(view.nodeId, {
        view,
        load: IDLE,
        liveness: freshLiveness(now),
        sentinel: freshBaselines(view.nodeId),
      });
    }
  }

  nodeConnected(node: NodeAnnouncement, now: number): void {
    // A new session starts fresh baselines: its engine, models or machine may have changed.
    const previous = this.live.get(node.nodeId);
    if (previous) this.sentinelEvents(closeBaselines(previous.sentinel, now));
    this.sql.exec(
      `INSERT INTO nodes (node_id, models_json, engine, gpu, slots, session, connected, draining, updated_at, features_json, capabilities_json, contexts_json, kinds_json)
       VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET models_json = excluded.models_json, engine = excluded.engine,
         gpu = excluded.gpu, slots = excluded.slots, session = excluded.session, connected = 1,
         draining = 0, updated_at = excluded.updated_at, features_json = excluded.features_json,
         capabilities_json = excluded.capabilities_json, contexts_json = excluded.contexts_json,
         kinds_json = excluded.kinds_json`,
      node.nodeId,
      JSON.stringify(node.models),
      node.engine,
      node.gpu,
      node.slots,
      node.session,
      now,
      JSON.stringify(node.features),
      JSON.stringify(node.capabilities),
      JSON.stringify(node.contextSizes ?? {}),
      JSON.stringify(node.kinds ?? {}),
    );
    this.live.set(node.nodeId, {
      view: {
        ...node,
        models: [...node.models],
        features: [...node.features],
        capabilities: { ...node.capabilities },
        contextSizes: { ...node.contextSizes },
        kinds: { ...node.kinds },
        connected: true,
        draining: false,
        updatedAt: now,
      },
      load: IDLE,
      liveness: freshLiveness(now),
      sentinel: freshBaselines(node.nodeId),
    });
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
      this.lastPruneAt = now;
      this.ctx.waitUntil(pruneCatalogue(this.env, now));
    }
  }

  /**
   * The node asked to drain, or an operator drained or re-admitted it (`draining` false). Ignored
   * when `session` is older than the node's current one (a late close of a replaced socket).
   */
  nodeDraining(nodeId: string, session: number, now: number, draining = true): void {
    const node = this.live.get(nodeId);
    if (!node || node.view.session !== session) return;
    this.sql.exec(
      'UPDATE nodes SET draining = ?, updated_at = ? WHERE node_id = ?',
      draining ? 1 : 0,
      now,
      nodeId,
    );
    this.live.set(nodeId, { ...node, view: { ...node.view, draining, updatedAt: now } });
  }

  /** Whether presence has ever seen this node (connected or not). */
  knowsNode(nodeId: string): boolean {
    return (
      this.sql
        .exec<{ n: number }>('SELECT COUNT(*) AS n FROM nodes WHERE node_id = ?', nodeId)
        .one().n > 0
    );
  }

  /** A heartbeat: the node's load, and its liveness by the sentinel's rule. Memory only. */
  nodeHeartbeat(nodeId: string, session: number, load: NodeLoad, now: number): void {
    const node = this.live.get(nodeId) ?? this.readmit(nodeId, session, now);
    if (!node || node.view.session !== session) return;
    this.live.set(nodeId, {
      ...node,
      load,
      liveness: onHeartbeat(node.liveness, now, this.heartbeatMs),
    });
  }

  /**
   * A heartbeat from a node this object dropped as gone while its session stayed open (its
   * socket was quiet for three intervals, then spoke again): its session is still the latest, so
   * it is taken back, suspect until it beats on time. Without this a live node would be left out
   * of routing for good, since it has no reason to reconnect.
   */
  private readmit(nodeId: string, session: number, now: number): LiveNode | undefined {
    const row = this.sql
      .exec<NodeRow>('SELECT * FROM nodes WHERE node_id = ? AND session = ?', nodeId, session)
      .toArray()[0];
    if (!row) return undefined;
    this.sql.exec('UPDATE nodes SET connected = 1, updated_at = ? WHERE node_id = ?', now, nodeId);
    const view = { ...rowToNode(row), connected: true, updatedAt: now };
    // Its last heartbeat was long ago: the next one is late, so it comes back suspect.
    const node: LiveNode = {
      view,
      load: IDLE,
      liveness: { lastHeartbeatAt: now, suspect: true, onTimeStreak: 0 },
      sentinel: freshBaselines(nodeId),
    };
    this.live.set(nodeId, node);
    console.warn(JSON.stringify({ event: 'presence.node_readmitted', nodeId, session, at: now }));
    return node;
  }

  /**
   * One finished job of the node's `session`, for the sentinel's latency and error baselines
   * (core/routing/baseline.ts). `observation`: `ttftMs` from handing the job over to its first
   * token (null if none came), `tokens` generated, `durationMs` from handing it over to its end,
   * `failed` when it ended in an error that is the node's (not a client that left). Memory only.
   * An RPC boundary: anything malformed is logged (`sentinel.invalid_observation`) and ignored;
   * a stale session or an unknown node is ignored.
   */
  nodeJobObserved(nodeId: string, session: number, observation: JobObservation, now: number): void {
    const parsed = parseJobObservation(observation);
    const problem =
      typeof nodeId !== 'string'
        ? 'nodeId: must be a string'
        : !Number.isFinite(session)
          ? 'session: must be a finite number'
          : !Number.isFinite(now) || now < 0
            ? 'now: must be a finite number ≥ 0'
            : parsed.ok
              ? null
              : parsed.reason;
    if (problem !== null || !parsed.ok) {
      console.warn(
        JSON.stringify({
          event: 'sentinel.invalid_observation',
          nodeId: typeof nodeId === 'string' ? nodeId.slice(0, 128) : null,
          problem,
        }),
      );
      return;
    }
    const node = this.live.get(nodeId);
    if (!node || node.view.session !== session) return;
    const step = observeJob(node.sentinel, parsed.observation, now);
    this.live.set(nodeId, { ...node, sentinel: step.state });
    this.sentinelEvents(step.events);
  }

  /** The sentinel's alerts now, and the ones cleared lately. */
  alerts(now: number): AlertsReport {
    const alerts = this.current(now).flatMap((n) => alertsOf(n.sentinel));
    return { alerts, cleared: [...this.cleared] };
  }

  /**
   * `session` undefined: the node's session says it holds no socket at all (found during routing).
   * Returns the models the node served, so the caller can record when they were last served.
   */
  nodeDisconnected(nodeId: string, session: number | undefined, now: number): string[] {
    const node = this.live.get(nodeId);
    if (!node || (session !== undefined && node.view.session !== session)) return [];
    this.sql.exec('UPDATE nodes SET connected = 0, updated_at = ? WHERE node_id = ?', now, nodeId);
    this.live.delete(nodeId);
    this.sentinelEvents(closeBaselines(node.sentinel, now));
    return [...node.view.models];
  }

  /** A revoked node is forgotten: it no longer lists. */
  forgetNode(nodeId: string): void {
    const node = this.live.get(nodeId);
    if (node) this.sentinelEvents(closeBaselines(node.sentinel, Date.now()));
    this.live.delete(nodeId);
    this.sql.exec('DELETE FROM nodes WHERE node_id = ?', nodeId);
  }

  /**
   * Connected nodes that serve `model`, as routing's backends. A node silent for three heartbeat
   * intervals is gone: its session died without a close (an evicted object, a lost host), so it
   * is dropped here rather than left to linger.
   */
  backends(model: string, now: number): Backend[] {
    const out: Backend[] = [];
    for (const node of this.current(now)) {
      const { view, load, liveness } = node;
      if (!view.models.includes(model)) continue;
      out.push({
        id: view.nodeId,
        tier: 'node',
        models: view.models,
        // A node loads what it announces before it says hello.
        warmModels: view.models,
        costPer1kTokens: 0,
        priority: 0,
        capacity: {
          slots: load.slots ?? view.slots,
          inFlight: load.inFlight,
          queued: load.queued,
          vramFreeBytes: load.vramFreeBytes > 0 ? load.vramFreeBytes : null,
        },
        draining: view.draining,
        suspect: livenessAt(liveness, now, this.heartbeatMs) === 'suspect',
        degraded: isDegraded(node.sentinel),
        canContinue: view.features.includes('continue'),
        capabilities: view.capabilities[model] ?? [],
        kind: view.kinds?.[model] ?? 'generate',
        incarnation: view.session,
      });
    }
    return out;
  }

  /** Models some connected, not gone, node serves now, sorted. */
  servedModels(now: number): string[] {
    const served = new Set<string>();
    for (const node of this.current(now)) for (const m of node.view.models) served.add(m);
    return [...served].sort();
  }

  /** Models some connected node serves now, sorted, with their context and capabilities. */
  servedModelDetails(now: number): ServedModel[] {
    const byId = new Map<
      string,
      { contextLength: number | null; capabilities: Set<ModelCapability>; kinds: Set<ModelKind> }
    >();
    for (const { view } of this.current(now)) {
      for (const id of view.models) {
        const entry = byId.get(id) ?? {
          contextLength: null,
          capabilities: new Set(),
          kinds: new Set(),
        };
        entry.kinds.add(view.kinds?.[id] ?? 'generate');
        const context = view.contextSizes?.[id];
        if (context !== undefined)
          entry.contextLength = Math.max(entry.contextLength ?? 0, context);
        for (const c of view.capabilities[id] ?? []) entry.capabilities.add(c);
        byId.set(id, entry);
      }
    }
    return [...byId.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, e]) => ({
        id,
        contextLength: e.contextLength,
        // In MODEL_CAPABILITIES order, so the list reads the same whichever node came first.
        capabilities: MODEL_CAPABILITIES.filter((c) => e.capabilities.has(c)),
        kind: MODEL_KINDS.find((k) => e.kinds.has(k)) ?? 'generate',
      }));
  }

  /**
   * The live nodes, after dropping those the sentinel finds gone and clearing the alerts of
   * those no job has been observed on for a while (they get a new hearing).
   */
  private current(now: number): LiveNode[] {
    const out: LiveNode[] = [];
    for (const node of [...this.live.values()]) {
      if (livenessAt(node.liveness, now, this.heartbeatMs) === 'gone') {
        this.nodeDisconnected(node.view.nodeId, node.view.session, now);
        console.warn(
          JSON.stringify({ event: 'presence.node_gone', nodeId: node.view.nodeId, at: now }),
        );
        continue;
      }
      const swept = sweepBaselines(node.sentinel, now);
      if (swept.events.length === 0) {
        out.push(node);
        continue;
      }
      const next = { ...node, sentinel: swept.state };
      this.live.set(node.view.nodeId, next);
      this.sentinelEvents(swept.events);
      out.push(next);
    }
    return out;
  }

  /** Logs the sentinel's transitions (`sentinel.alert`, `sentinel.cleared`) and keeps the cleared. */
  private sentinelEvents(events: readonly SentinelEvent[]): void {
    for (const e of events) {
      if (e.type === 'raised') {
        console.warn(JSON.stringify({ event: 'sentinel.alert', ...e.alert }));
        continue;
      }
      console.log(JSON.stringify({ event: 'sentinel.cleared', ...e.alert }));
      this.cleared.unshift(e.alert);
      if (this.cleared.length > RECENT_CLEARED_MAX) this.cleared.length = RECENT_CLEARED_MAX;
    }
  }

  /** Every node that connected, with the load and the sentinel's verdict of those connected now. */
  listNodes(now: number): NodeStatus[] {
    const current = new Map(this.current(now).map((n) => [n.view.nodeId, n]));
    return this.sql
      .exec<NodeRow>('SELECT * FROM nodes ORDER BY node_id')
      .toArray()
      .map((row): NodeStatus => {
        const live = current.get(row.node_id);
        if (!live)
          return { ...rowToNode(row), connected: false, health: null, load: null, alerts: [] };
        return {
          ...live.view,
          slots: live.load.slots ?? live.view.slots,
          health: livenessAt(live.liveness, now, this.heartbeatMs),
          load: live.load,
          alerts: alertsOf(live.sentinel),
        };
      });
  }
}

const IDLE: NodeLoad = { inFlight: 0, queued: 0, vramFreeBytes: 0 };

/** A JSON array of strings from a column; one that no longer parses is empty until the next hello rewrites it. */
function stringsOf(json: string): string[] {
  let value: unknown = [];
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  return Array.isArray(value) ? value.filter((m): m is string => typeof m === 'string') : [];
}

/** A JSON object from a column, by model id; one that no longer parses is empty until the next hello. */
function storedMap(json: string): Record<string, unknown> {
  let value: unknown = {};
  try {
    value = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return value as Record<string, unknown>;
}

/** A stored map of context sizes; entries that are not positive integers are dropped. */
function contextSizesOf(json: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [model, size] of Object.entries(storedMap(json)))
    if (typeof size === 'number' && Number.isInteger(size) && size > 0) out[model] = size;
  return out;
}

/** A stored capability map, keeping only names this edge knows. */
function capabilitiesOf(json: string): Record<string, ModelCapability[]> {
  const out: Record<string, ModelCapability[]> = {};
  for (const [model, list] of Object.entries(storedMap(json)))
    if (Array.isArray(list))
      out[model] = list.filter((c): c is ModelCapability =>
        (MODEL_CAPABILITIES as readonly unknown[]).includes(c),
      );
  return out;
}

/** A stored kind map, keeping only kinds this edge knows. */
function kindsOf(json: string): Record<string, ModelKind> {
  const out: Record<string, ModelKind> = {};
  for (const [model, kind] of Object.entries(storedMap(json)))
    if ((MODEL_KINDS as readonly unknown[]).includes(kind)) out[model] = kind as ModelKind;
  return out;
}

function rowToNode(row: NodeRow): NodeView {
  return {
    nodeId: row.node_id,
    session: row.session,
    models: stringsOf(row.models_json),
    features: stringsOf(row.features_json),
    capabilities: capabilitiesOf(row.capabilities_json),
    contextSizes: contextSizesOf(row.contexts_json),
    kinds: kindsOf(row.kinds_json),
    engine: row.engine,
    gpu: row.gpu,
    slots: row.slots,
    connected: row.connected === 1,
    draining: row.draining === 1,
    updatedAt: row.updated_at,
  };
}
