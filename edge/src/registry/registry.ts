import { DurableObject } from 'cloudflare:workers';
import type { NodeCandidate } from '@proxima/core/routing';
import type { Env } from '../env.ts';
import { REGISTRY_SCHEMA } from './schema.ts';

export interface Tenant {
  readonly tenant: string;
  readonly keyName: string;
}

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
 * Which keys, node tokens, models and nodes exist. One instance ("global"). A plain SQLite DO for
 * now; the Raft issue replaces its storage with a replicated log. Connected nodes are mirrored in
 * memory so routing does no SQL.
 */
export class Registry extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly live = new Map<string, NodeView>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(REGISTRY_SCHEMA);
    for (const row of this.sql.exec<NodeRow>('SELECT * FROM nodes WHERE connected = 1')) {
      const view = rowToNode(row);
      this.live.set(view.nodeId, view);
    }
  }

  authenticate(keyHash: string): Tenant | null {
    const row = this.sql
      .exec<{ tenant: string; name: string }>(
        'SELECT tenant, name FROM api_keys WHERE hash = ?',
        keyHash,
      )
      .toArray()[0];
    return row ? { tenant: row.tenant, keyName: row.name } : null;
  }

  /** Returns false when the key already exists (under any tenant). */
  addApiKey(keyHash: string, tenant: string, name: string, now: number): boolean {
    const cursor = this.sql.exec(
      'INSERT INTO api_keys (hash, tenant, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      keyHash,
      tenant,
      name,
      now,
    );
    return cursor.rowsWritten > 0;
  }

  addNodeToken(tokenHash: string, name: string, now: number): boolean {
    const cursor = this.sql.exec(
      'INSERT INTO node_tokens (hash, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      tokenHash,
      name,
      now,
    );
    return cursor.rowsWritten > 0;
  }

  checkNodeToken(tokenHash: string): boolean {
    return (
      this.sql.exec('SELECT 1 FROM node_tokens WHERE hash = ?', tokenHash).toArray().length > 0
    );
  }

  nodeConnected(node: NodeAnnouncement, now: number): void {
    for (const model of node.models) {
      this.sql.exec(
        'INSERT INTO models (id, first_seen) VALUES (?, ?) ON CONFLICT DO NOTHING',
        model,
        now,
      );
    }
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
  }

  /** Connected nodes that serve `model`, and whether the catalogue has ever seen it. */
  candidates(model: string): RouteCandidates {
    const nodes: NodeCandidate[] = [];
    for (const view of this.live.values()) {
      if (view.models.includes(model))
        nodes.push({ nodeId: view.nodeId, models: [model], draining: view.draining });
    }
    const known =
      nodes.length > 0 ||
      this.sql.exec('SELECT 1 FROM models WHERE id = ?', model).toArray().length > 0;
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
