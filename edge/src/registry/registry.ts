import { DurableObject } from 'cloudflare:workers';
import type { RateLimits } from '@proxima/core/limits';
import type { NodeCandidate } from '@proxima/core/routing';
import type { Env } from '../env.ts';
import {
  Credentials,
  type ApiKeyView,
  type AuthRecord,
  type NodeTokenCheck,
  type NodeTokenView,
  type TenantView,
} from './credentials.ts';
import { migrateRegistry } from './schema.ts';

/**
 * A model that no connected node serves is still "known" (503, retry) for this long after it was
 * last served; after that it is unknown (404). Names a node once announced do not linger for good.
 */
export const MODEL_MEMORY_MS = 10 * 60_000;

export interface NodeAnnouncement {
  readonly nodeId: string;
  readonly session: number;
  readonly models: readonly string[];
  readonly engine: string;
  readonly gpu: string;
  readonly slots: number;
}

export interface NodeView extends NodeAnnouncement {
  readonly connected: boolean;
  readonly draining: boolean;
}

export interface RouteCandidates {
  readonly known: boolean;
  readonly nodes: NodeCandidate[];
}

export interface ModelView {
  readonly id: string;
  readonly created: number;
}

/**
 * Which keys, node tokens, tenants, models and nodes exist. One instance ("global"). A plain
 * SQLite DO for now; the Raft issue replaces its storage with a replicated log. Connected nodes
 * are mirrored in memory so routing does no SQL.
 */
export class Registry extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly credentials: Credentials;
  private readonly live = new Map<string, NodeView>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateRegistry(ctx.storage);
    this.credentials = new Credentials(this.sql);
    for (const row of this.sql.exec<NodeRow>('SELECT * FROM nodes WHERE connected = 1')) {
      const view = rowToNode(row);
      this.live.set(view.nodeId, view);
    }
  }

  authenticate(keyHash: string): AuthRecord | null {
    return this.credentials.authenticate(keyHash);
  }

  addApiKey(
    keyHash: string,
    tenant: string,
    name: string,
    limits: RateLimits,
    now: number,
  ): ApiKeyView | null {
    return this.credentials.addApiKey(keyHash, tenant, name, limits, now);
  }

  listApiKeys(tenant: string | null): ApiKeyView[] {
    return this.credentials.listApiKeys(tenant);
  }

  revokeApiKey(id: string): boolean {
    return this.credentials.revokeApiKey(id);
  }

  keyLimits(id: string): RateLimits | null {
    return this.credentials.keyLimits(id);
  }

  setKeyLimits(id: string, limits: RateLimits): boolean {
    return this.credentials.setKeyLimits(id, limits);
  }

  tenantLimits(tenant: string): RateLimits {
    return this.credentials.tenantLimits(tenant);
  }

  setTenantLimits(tenant: string, limits: RateLimits, now: number): void {
    this.credentials.setTenantLimits(tenant, limits, now);
  }

  listTenants(): TenantView[] {
    return this.credentials.listTenants();
  }

  addNodeToken(
    tokenHash: string,
    name: string,
    nodeId: string | null,
    now: number,
  ): NodeTokenView | 'token_exists' | 'node_id_taken' {
    return this.credentials.addNodeToken(tokenHash, name, nodeId, now);
  }

  checkNodeToken(tokenHash: string, nodeId: string, now: number): NodeTokenCheck {
    return this.credentials.checkNodeToken(tokenHash, nodeId, now);
  }

  listNodeTokens(): NodeTokenView[] {
    return this.credentials.listNodeTokens();
  }

  revokeNodeToken(id: string): { nodeId: string | null } | undefined {
    return this.credentials.revokeNodeToken(id);
  }

  nodeConnected(node: NodeAnnouncement, now: number): void {
    for (const model of node.models) {
      this.sql.exec(
        `INSERT INTO models (id, first_seen, last_seen) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`,
        model,
        now,
        now,
      );
    }
    // Forget models nobody has served for long, so the catalogue stays bounded.
    this.sql.exec('DELETE FROM models WHERE last_seen < ?', now - 30 * MODEL_MEMORY_MS);
    this.sql.exec(
      `INSERT INTO nodes (node_id, models_json, engine, gpu, slots, session, connected, draining, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?)
       ON CONFLICT (node_id) DO UPDATE SET models_json = excluded.models_json, engine = excluded.engine,
         gpu = excluded.gpu, slots = excluded.slots, session = excluded.session, connected = 1,
         draining = 0, updated_at = excluded.updated_at`,
      node.nodeId,
      JSON.stringify(node.models),
      node.engine,
      node.gpu,
      node.slots,
      node.session,
      now,
    );
    this.live.set(node.nodeId, { ...node, connected: true, draining: false });
  }

  /** Ignored when `session` is older than the node's current one (a late close of a replaced socket). */
  nodeDraining(nodeId: string, session: number, now: number): void {
    const view = this.live.get(nodeId);
    if (!view || view.session !== session) return;
    this.sql.exec('UPDATE nodes SET draining = 1, updated_at = ? WHERE node_id = ?', now, nodeId);
    this.live.set(nodeId, { ...view, draining: true });
  }

  /** `session` undefined: the node's session says it holds no socket at all (found during routing). */
  nodeDisconnected(nodeId: string, session: number | undefined, now: number): void {
    const view = this.live.get(nodeId);
    if (!view || (session !== undefined && view.session !== session)) return;
    this.sql.exec('UPDATE nodes SET connected = 0, updated_at = ? WHERE node_id = ?', now, nodeId);
    this.live.delete(nodeId);
    this.touchModels(view.models, now);
  }

  /** A revoked node is forgotten: it no longer lists, and its models age out as usual. */
  forgetNode(nodeId: string, now: number): void {
    const view = this.live.get(nodeId);
    if (view) this.touchModels(view.models, now);
    this.live.delete(nodeId);
    this.sql.exec('DELETE FROM nodes WHERE node_id = ?', nodeId);
  }

  private touchModels(models: readonly string[], now: number): void {
    for (const model of models)
      this.sql.exec('UPDATE models SET last_seen = ? WHERE id = ?', now, model);
  }

  /** Connected nodes that serve `model`, and whether it was served recently (503, not 404). */
  candidates(model: string): RouteCandidates {
    const nodes: NodeCandidate[] = [];
    for (const view of this.live.values()) {
      if (view.models.includes(model))
        nodes.push({ nodeId: view.nodeId, models: [model], draining: view.draining });
    }
    const known =
      nodes.length > 0 ||
      this.sql
        .exec(
          'SELECT 1 FROM models WHERE id = ? AND last_seen >= ?',
          model,
          Date.now() - MODEL_MEMORY_MS,
        )
        .toArray().length > 0;
    return { known, nodes };
  }

  /** Models that a connected node serves now. */
  listModels(): ModelView[] {
    const served = new Set<string>();
    for (const view of this.live.values()) for (const m of view.models) served.add(m);
    const out: ModelView[] = [];
    for (const id of [...served].sort()) {
      const row = this.sql
        .exec<{ first_seen: number }>('SELECT first_seen FROM models WHERE id = ?', id)
        .toArray()[0];
      out.push({ id, created: Math.floor((row?.first_seen ?? 0) / 1000) });
    }
    return out;
  }

  listNodes(): NodeView[] {
    return this.sql.exec<NodeRow>('SELECT * FROM nodes ORDER BY node_id').toArray().map(rowToNode);
  }
}

interface NodeRow extends Record<string, SqlStorageValue> {
  node_id: string;
  models_json: string;
  engine: string;
  gpu: string;
  slots: number;
  session: number;
  connected: number;
  draining: number;
}

function rowToNode(row: NodeRow): NodeView {
  const models: unknown = JSON.parse(row.models_json);
  return {
    nodeId: row.node_id,
    session: row.session,
    models: Array.isArray(models) ? models.filter((m): m is string => typeof m === 'string') : [],
    engine: row.engine,
    gpu: row.gpu,
    slots: row.slots,
    connected: row.connected === 1,
    draining: row.draining === 1,
  };
}
