// A client-observed history: what each operation asked, what it returned, and when.
import type { KvOp, KvResult } from '../sim/kv.ts';

export interface Operation {
  readonly id: number;
  readonly client: number;
  readonly op: KvOp;
  /** Virtual time of the call. */
  readonly call: number;
  /** Virtual time of the return; null when the outcome is unknown (timed out, node crashed). */
  readonly ret: number | null;
  /** Meaningful only when ret is set. */
  readonly result: KvResult;
}

export function formatOperation(o: Operation): string {
  const op = o.op;
  const args =
    op.kind === 'get'
      ? `get(${op.key})`
      : op.kind === 'cas'
        ? `cas(${op.key}, ${JSON.stringify(op.expected)} -> ${JSON.stringify(op.value)})`
        : `${op.kind}(${op.key}, ${JSON.stringify(op.value)})`;
  const res = o.ret === null ? '?' : JSON.stringify(o.result);
  return `[${o.call}, ${o.ret ?? '∞'}] client ${o.client}: ${args} => ${res}`;
}
