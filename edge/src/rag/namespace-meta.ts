// The namespace object's own facts, in its ns_meta table: identity, embedder, directory, the next
// shard number, and a split under way.
import {
  decodeDirectory,
  encodeDirectory,
  type EmbedderStamp,
  type NamespaceIdentity,
  type ShardDirectory,
} from '@proxima/core/rag';

/** A split in progress: the parent keeps serving until the directory switches to the children. */
export interface SplitState {
  readonly parent: string;
  /** encodeDirectory of the children alone (never published): where dual writes and the copy go. */
  readonly children: string;
  /** Rows of the parent with ids up to this were there when the split began: the copy's range. */
  readonly until: number;
  /** The copy has reached this row of the parent. */
  readonly cursor: number;
}

export class NamespaceMeta {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  private get(key: string): string | null {
    return (
      this.sql.exec<{ v: string }>('SELECT v FROM ns_meta WHERE k = ?', key).toArray()[0]?.v ?? null
    );
  }

  private set(key: string, value: string | null): void {
    if (value === null) this.sql.exec('DELETE FROM ns_meta WHERE k = ?', key);
    else
      this.sql.exec(
        'INSERT INTO ns_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v',
        key,
        value,
      );
  }

  identity(): NamespaceIdentity | null {
    const tenant = this.get('tenant');
    const namespace = this.get('namespace');
    return tenant === null || namespace === null ? null : { tenant, namespace };
  }

  setIdentity(id: NamespaceIdentity): void {
    this.set('tenant', id.tenant);
    this.set('namespace', id.namespace);
  }

  embedder(): EmbedderStamp | null {
    const embedder = this.get('embedder');
    const dim = this.get('dim');
    return embedder === null || dim === null ? null : { embedder, dim: Number(dim) };
  }

  setEmbedder(stamp: EmbedderStamp | null): void {
    this.set('embedder', stamp?.embedder ?? null);
    this.set('dim', stamp === null ? null : String(stamp.dim));
  }

  directory(): ShardDirectory | null {
    const d = this.get('directory');
    return d === null ? null : decodeDirectory(d);
  }

  setDirectory(dir: ShardDirectory): void {
    this.set('directory', encodeDirectory(dir));
  }

  nextSeq(): number {
    return Number(this.get('nextSeq') ?? '0');
  }

  setNextSeq(seq: number): void {
    this.set('nextSeq', String(seq));
  }

  split(): SplitState | null {
    const s = this.get('split');
    return s === null ? null : (JSON.parse(s) as SplitState);
  }

  setSplit(state: SplitState | null): void {
    this.set('split', state === null ? null : JSON.stringify(state));
  }
}
