// Linearizability checking by the Wing–Gong search with Lowe's memoization, run per key: a history
// of independent keys is linearizable iff each key's sub-history is (P-compositionality).
import { applyOp } from '../sim/kv.ts';
import type { KvResult } from '../sim/kv.ts';
import type { Operation } from './history.ts';
import { formatOperation } from './history.ts';

export interface CheckResult {
  readonly ok: boolean;
  /** Present when ok is false: a minimal non-linearizable sub-history of one key. */
  readonly violation: { readonly key: string; readonly ops: readonly Operation[] } | null;
  /** True when the search gave up (budget exhausted) on some key; that key counts as ok. */
  readonly unknown: boolean;
}

function sameResult(a: KvResult, b: KvResult): boolean {
  if ('value' in a || 'value' in b) return 'value' in a && 'value' in b && a.value === b.value;
  if ('ok' in a || 'ok' in b) return 'ok' in a && 'ok' in b && a.ok === b.ok;
  return true;
}

interface Node {
  op: number;
  isCall: boolean;
  match: Node | null; // call -> its return (null for pending ops)
  prev: Node | null;
  next: Node | null;
}

/** Returns true/false, or null when the step budget ran out. */
export function isLinearizable(ops: readonly Operation[], budget = 2_000_000): boolean | null {
  // Events by time; at equal times calls come first, so touching operations count as concurrent.
  const events: { t: number; call: boolean; op: number }[] = [];
  ops.forEach((o, i) => {
    events.push({ t: o.call, call: true, op: i });
    if (o.ret !== null) events.push({ t: o.ret, call: false, op: i });
  });
  events.sort((a, b) => a.t - b.t || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1));
  const head: Node = { op: -1, isCall: false, match: null, prev: null, next: null };
  let tail = head;
  const calls = new Map<number, Node>();
  for (const e of events) {
    const n: Node = { op: e.op, isCall: e.call, match: null, prev: tail, next: null };
    tail.next = n;
    tail = n;
    if (e.call) calls.set(e.op, n);
    else (calls.get(e.op) as Node).match = n;
  }
  const lift = (c: Node): void => {
    (c.prev as Node).next = c.next;
    if (c.next) c.next.prev = c.prev;
    const r = c.match;
    if (r) {
      (r.prev as Node).next = r.next;
      if (r.next) r.next.prev = r.prev;
    }
  };
  const unlift = (c: Node): void => {
    const r = c.match;
    if (r) {
      (r.prev as Node).next = r;
      if (r.next) r.next.prev = r;
    }
    (c.prev as Node).next = c;
    if (c.next) c.next.prev = c;
  };
  let remaining = ops.filter((o) => o.ret !== null).length;
  const linearized = new Uint32Array(Math.ceil(ops.length / 32) + 1);
  const cache = new Set<string>();
  const stack: { node: Node; state: string | null }[] = [];
  let state: string | null = null;
  let entry = head.next;
  let steps = 0;
  while (remaining > 0) {
    if (++steps > budget) return null;
    if (entry === null) return false; // cannot happen while a return remains; defensive
    if (entry.isCall) {
      const o = ops[entry.op] as Operation;
      const { next, result } = applyOp(state, o.op);
      const ok = o.ret === null || sameResult(result, o.result);
      if (ok) {
        linearized[entry.op >>> 5] =
          (linearized[entry.op >>> 5] as number) | (1 << (entry.op & 31));
        const key = `${linearized.join(',')}|${next ?? '\u0000'}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ node: entry, state });
          state = next;
          if (entry.match) remaining--;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.op >>> 5] =
          (linearized[entry.op >>> 5] as number) & ~(1 << (entry.op & 31));
      }
      entry = entry.next;
    } else {
      // A return whose operation cannot be placed before it: undo the last choice.
      const top = stack.pop();
      if (!top) return false;
      state = top.state;
      const n = top.node;
      linearized[n.op >>> 5] = (linearized[n.op >>> 5] as number) & ~(1 << (n.op & 31));
      if (n.match) remaining++;
      unlift(n);
      entry = n.next;
    }
  }
  return true;
}

/**
 * Shrinks a violating history greedily: drop any operation whose removal keeps it violating, except
 * writes whose value a remaining read observed (dropping them would only trade the real anomaly for
 * a "read a value nobody wrote" one).
 */
export function minimize(ops: readonly Operation[]): Operation[] {
  let cur = [...ops];
  const observed = (o: Operation, rest: readonly Operation[]): boolean =>
    o.op.kind !== 'get' &&
    rest.some(
      (r) =>
        r !== o &&
        r.ret !== null &&
        'value' in r.result &&
        r.result.value !== null &&
        o.op.kind !== 'get' &&
        r.result.value.includes(o.op.value),
    );
  for (let i = cur.length - 1; i >= 0; i--) {
    const o = cur[i] as Operation;
    if (observed(o, cur)) continue;
    const without = cur.filter((_, j) => j !== i);
    if (isLinearizable(without, 200_000) === false) cur = without;
  }
  return cur;
}

export function checkHistory(history: readonly Operation[]): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const o of history) {
    const list = byKey.get(o.op.key);
    if (list) list.push(o);
    else byKey.set(o.op.key, [o]);
  }
  let unknown = false;
  for (const key of [...byKey.keys()].sort()) {
    const ops = byKey.get(key) as Operation[];
    const res = isLinearizable(ops);
    if (res === null) unknown = true;
    else if (!res) return { ok: false, violation: { key, ops: minimize(ops) }, unknown };
  }
  return { ok: true, violation: null, unknown };
}

export function formatViolation(v: {
  readonly key: string;
  readonly ops: readonly Operation[];
}): string {
  const lines = [...v.ops].sort((a, b) => a.call - b.call).map(formatOperation);
  return `non-linearizable history for key ${JSON.stringify(v.key)} (${v.ops.length} ops):\n  ${lines.join('\n  ')}`;
}
