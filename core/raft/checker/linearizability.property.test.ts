// Property: any history produced by a real atomic execution is accepted, however the operations'
// intervals overlap around their true linearization points.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp } from '../sim/kv.ts';
import type { KvOp } from '../sim/kv.ts';
import type { Operation } from './history.ts';
import { checkHistory } from './linearizability.ts';

const opArb: fc.Arbitrary<KvOp> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    key: fc.constantFrom('a', 'b'),
    value: fc.constantFrom('1', '2', '3'),
  }),
  fc.record({ kind: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
  fc.record({
    kind: fc.constant('cas' as const),
    key: fc.constantFrom('a', 'b'),
    expected: fc.constantFrom(null, '1', '2'),
    value: fc.constantFrom('1', '2', '3'),
  }),
  fc.record({
    kind: fc.constant('append' as const),
    key: fc.constantFrom('a', 'b'),
    value: fc.constantFrom('x', 'y'),
  }),
);

describe('linearizability checker properties', () => {
  it('accepts every history generated from an atomic execution', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(opArb, fc.nat(30), fc.nat(30), fc.boolean()), {
          minLength: 1,
          maxLength: 40,
        }),
        (steps) => {
          const state = new Map<string, string | null>();
          const history: Operation[] = steps.map(([op, before, after, lost], i) => {
            const point = i * 10; // the true linearization point
            const { next, result } = applyOp(state.get(op.key) ?? null, op);
            state.set(op.key, next);
            const pending = lost && op.kind !== 'get';
            return {
              id: i,
              client: i,
              op,
              call: point - before,
              ret: pending ? null : point + after,
              result: pending ? {} : result,
            };
          });
          expect(checkHistory(history).ok).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
