// The workload's state machine: a key-value map driven through the log, with client sessions so a
// command delivered twice (duplicated proposal) is applied once (dissertation §6.3).
import { decodeString, encodeString } from './codec.ts';

export type KvOp =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | {
      readonly kind: 'cas';
      readonly key: string;
      readonly expected: string | null;
      readonly value: string;
    }
  | { readonly kind: 'append'; readonly key: string; readonly value: string };

/** What an operation returned: gets return the value, cas whether it swapped. */
export type KvResult =
  { readonly value: string | null } | { readonly ok: boolean } | Record<string, never>;

export interface KvCommand {
  readonly client: number;
  readonly seq: number;
  readonly opId: number;
  readonly op: KvOp;
}

export function encodeCommand(c: KvCommand): Uint8Array {
  return encodeString(JSON.stringify(c));
}

export function decodeCommand(b: Uint8Array): KvCommand {
  return JSON.parse(decodeString(b)) as KvCommand;
}

/** Applies op to a value; shared by the store and the checker's model. */
export function applyOp(cur: string | null, op: KvOp): { next: string | null; result: KvResult } {
  switch (op.kind) {
    case 'put':
      return { next: op.value, result: {} };
    case 'get':
      return { next: cur, result: { value: cur } };
    case 'cas':
      return cur === op.expected
        ? { next: op.value, result: { ok: true } }
        : { next: cur, result: { ok: false } };
    case 'append':
      return { next: (cur ?? '') + op.value, result: {} };
  }
}

export class KvStore {
  private data = new Map<string, string>();
  /** client -> [last seq applied, its result] */
  private sessions = new Map<number, [number, KvResult]>();

  /** Applies a command; a repeat of an already applied (or older) command returns null. */
  apply(c: KvCommand): KvResult | null {
    const s = this.sessions.get(c.client);
    if (s && c.seq <= s[0]) return null;
    const { next, result } = applyOp(this.data.get(c.op.key) ?? null, c.op);
    if (next === null) this.data.delete(c.op.key);
    else this.data.set(c.op.key, next);
    this.sessions.set(c.client, [c.seq, result]);
    return result;
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  serialize(): Uint8Array {
    return encodeString(JSON.stringify({ d: [...this.data], s: [...this.sessions] }));
  }

  static restore(b: Uint8Array): KvStore {
    const kv = new KvStore();
    if (b.length === 0) return kv;
    const o = JSON.parse(decodeString(b)) as {
      d: [string, string][];
      s: [number, [number, KvResult]][];
    };
    kv.data = new Map(o.d);
    kv.sessions = new Map(o.s);
    return kv;
  }
}
