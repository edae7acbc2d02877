import { describe, expect, it } from 'vitest';
import type { KvOp, KvResult } from '../sim/kv.ts';
import type { Operation } from './history.ts';
import { checkHistory, formatViolation, isLinearizable } from './linearizability.ts';

let nextId = 1;
const op = (
  client: number,
  o: KvOp,
  call: number,
  ret: number | null,
  result: KvResult = {},
): Operation => ({
  id: nextId++,
  client,
  op: o,
  call,
  ret,
  result,
});

describe('linearizability checker', () => {
  it('accepts a sequential history and concurrent reorderings', () => {
    expect(
      isLinearizable([
        op(1, { kind: 'put', key: 'x', value: 'a' }, 0, 10),
        op(2, { kind: 'get', key: 'x' }, 11, 12, { value: 'a' }),
      ]),
    ).toBe(true);
    // Concurrent put and get: the get may see either value.
    expect(
      isLinearizable([
        op(1, { kind: 'put', key: 'x', value: 'a' }, 0, 10),
        op(2, { kind: 'get', key: 'x' }, 1, 2, { value: 'a' }),
      ]),
    ).toBe(true);
  });

  it('rejects a stale read after a completed write', () => {
    expect(
      isLinearizable([
        op(1, { kind: 'put', key: 'x', value: 'a' }, 0, 10),
        op(2, { kind: 'get', key: 'x' }, 11, 12, { value: null }),
      ]),
    ).toBe(false);
  });

  it('treats an unanswered write as possibly applied at any later time, or never', () => {
    const pending = op(1, { kind: 'put', key: 'x', value: 'a' }, 0, null);
    expect(
      isLinearizable([pending, op(2, { kind: 'get', key: 'x' }, 50, 51, { value: 'a' })]),
    ).toBe(true);
    expect(
      isLinearizable([pending, op(2, { kind: 'get', key: 'x' }, 50, 51, { value: null })]),
    ).toBe(true);
    // But not before it was called.
    expect(
      isLinearizable([
        op(2, { kind: 'get', key: 'x' }, 0, 1, { value: 'a' }),
        { ...pending, call: 5 },
      ]),
    ).toBe(false);
  });

  it('models cas and append', () => {
    expect(
      isLinearizable([
        op(1, { kind: 'append', key: 'x', value: 'a' }, 0, 1),
        op(1, { kind: 'cas', key: 'x', expected: 'a', value: 'b' }, 2, 3, { ok: true }),
        op(2, { kind: 'cas', key: 'x', expected: 'a', value: 'c' }, 4, 5, { ok: true }),
      ]),
    ).toBe(false);
  });

  it('partitions by key and reports a minimal violating history', () => {
    const h: Operation[] = [];
    for (let i = 0; i < 30; i++)
      h.push(op(1, { kind: 'put', key: 'y', value: `${i}` }, i * 10, i * 10 + 5));
    h.push(op(1, { kind: 'put', key: 'x', value: 'a' }, 0, 10));
    h.push(op(2, { kind: 'put', key: 'x', value: 'b' }, 20, 30));
    h.push(op(3, { kind: 'get', key: 'x' }, 40, 50, { value: 'b' }));
    h.push(op(3, { kind: 'get', key: 'x' }, 60, 70, { value: 'a' }));
    const res = checkHistory(h);
    expect(res.ok).toBe(false);
    expect(res.violation?.key).toBe('x');
    // The noise on key y is gone; the two writes and the reads that expose them remain.
    expect(res.violation?.ops.length).toBeLessThanOrEqual(4);
    const text = formatViolation(res.violation as NonNullable<typeof res.violation>);
    expect(text).toContain('get(x) => {"value":"a"}');
  });

  it('handles many concurrent operations quickly thanks to memoization', () => {
    const h: Operation[] = [];
    for (let i = 0; i < 200; i++) {
      h.push(op(i % 5, { kind: 'append', key: 'x', value: `${i},` }, i, i + 20));
    }
    let v = '';
    for (let i = 0; i < 200; i++) v += `${i},`;
    h.push(op(9, { kind: 'get', key: 'x' }, 1000, 1001, { value: v }));
    expect(isLinearizable(h)).toBe(true);
  });
});
