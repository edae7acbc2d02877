// Replicas must agree byte for byte. Random command sequences over small pools of hashes, ids and
// names, so that collisions, refusals, rebinds and prunes happen often.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apply, applyEntry } from './apply.ts';
import { checkNodeToken } from './auth.ts';
import type { RegistryCommandInput } from './commands.ts';
import { CONFIG_KEYS } from './config.ts';
import { SCOPES } from './fields.ts';
import { invariantViolation } from './invariants.ts';
import type { ApplyResult } from './result.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot.ts';
import { emptyState, type RegistryState } from './state.ts';
import { hashOf } from './testing.ts';
import { encodeUtf8 } from '../protocol/utf8.ts';

const v = 1 as const;
// Same 12-hex prefix with two tails: id collisions between different secrets.
const hash = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1 }))
  .map(([n, t]) => hashOf(n, t));
const keyId = fc.integer({ min: 1, max: 3 }).map((n) => `key_${n.toString(16).padStart(12, '0')}`);
const tokenId = fc
  .integer({ min: 1, max: 5 })
  .map((n) => `ntk_${n.toString(16).padStart(12, '0')}`);
const tenant = fc.constantFrom('a', 'b', 'c');
const name = fc.constantFrom('x', 'y');
const scopes = fc.subarray([...SCOPES], { minLength: 1 });
const nodeId = fc.constantFrom('n1', 'n2', 'n3');
const model = fc.constantFrom('m1', 'm2', 'm3', 'alias1', 'alias2');
const at = fc.integer({ min: 0, max: 1000 });
const limits = fc.record(
  {
    requestsPerMinute: fc.integer({ min: 1, max: 100 }),
    tokensPerDay: fc.integer({ min: 1, max: 10_000 }),
  },
  { requiredKeys: [] },
);

/** A command of `type` with these field arbitraries; `optional` fields are sometimes left out. */
function cmd(
  weight: number,
  type: string,
  fields: Record<string, fc.Arbitrary<unknown>>,
  optional: readonly string[] = [],
): fc.WeightedArbitrary<RegistryCommandInput> {
  const required = ['v', 'type', ...Object.keys(fields).filter((f) => !optional.includes(f))];
  const shape: Record<string, fc.Arbitrary<unknown>> = {
    v: fc.constant(v),
    type: fc.constant(type),
    ...fields,
  };
  const arbitrary = fc.record(shape, { requiredKeys: required }) as fc.Arbitrary<unknown>;
  return { weight, arbitrary: arbitrary as fc.Arbitrary<RegistryCommandInput> };
}

/** Weighted towards the commands whose refusals and bindings are most interesting. */
const command = fc.oneof(
  cmd(1, 'tenant.upsert', { tenant, limits, at }),
  cmd(1, 'tenant.remove', { tenant }),
  cmd(
    3,
    'key.create',
    { hash, tenant, name, limits, scopes, expiresAt: fc.integer({ min: 0, max: 2000 }), at },
    ['scopes', 'expiresAt'],
  ),
  cmd(3, 'key.rotate', { id: keyId, hash, expiresAt: fc.integer({ min: 0, max: 2000 }), at }, [
    'expiresAt',
  ]),
  cmd(2, 'key.revoke', { id: keyId }),
  cmd(1, 'key.setLimits', { id: keyId, limits }),
  cmd(3, 'node.enroll', { hash, name, nodeId, at }, ['nodeId']),
  cmd(3, 'node.bind', { id: tokenId, nodeId, at }),
  cmd(1, 'node.revoke', { id: tokenId }),
  cmd(3, 'model.seen', { ids: fc.uniqueArray(model, { minLength: 1, maxLength: 3 }), nodeId, at }),
  cmd(1, 'model.prune', { olderThan: fc.integer({ min: 0, max: 500 }), at }),
  cmd(1, 'config.set', {
    key: fc.constantFrom(...CONFIG_KEYS),
    value: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 400_000 })),
  }),
  cmd(1, 'route.set', { alias: model, target: model }),
  cmd(1, 'route.remove', { alias: model }),
  cmd(1, 'cacheEpoch.bump', { scope: fc.oneof(fc.constant('*'), tenant) }),
  cmd(2, 'shards.set', {
    namespace: fc.constantFrom('ns1', 'ns2'),
    version: fc.integer({ min: 1, max: 4 }),
    shards: fc.uniqueArray(fc.constantFrom('s0', 's1', 's2', 's3'), { minLength: 1 }),
  }),
  // Now and then a command that no peer of this version accepts.
  cmd(1, 'key.revoke', { v: fc.constant(2), id: keyId }),
);

const commands = fc.array(command, { minLength: 20, maxLength: 80 });

function run(
  commands: readonly RegistryCommandInput[],
  state: RegistryState = emptyState(),
): { state: RegistryState; results: ApplyResult<unknown>[] } {
  let s = state;
  const results: ApplyResult<unknown>[] = [];
  for (const cmd of commands) {
    const out = apply(s, cmd);
    s = out.state;
    results.push(out.result);
  }
  return { state: s, results };
}

describe('determinism', () => {
  it('two replicas, one applying commands and one their log entries, reach identical snapshots', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const a = run(cmds);
        let b = emptyState();
        const results: ApplyResult<unknown>[] = [];
        for (const cmd of cmds) {
          // Plain JSON.stringify: another writer's field order must not matter.
          const out = applyEntry(b, encodeUtf8(JSON.stringify(cmd)));
          b = out.state;
          results.push(out.result);
        }
        expect(results).toEqual(a.results);
        expect(encodeSnapshot(b)).toEqual(encodeSnapshot(a.state));
      }),
    );
  });

  it('snapshot -> decode -> encode is the identity', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const bytes = encodeSnapshot(run(cmds).state);
        expect(encodeSnapshot(decodeSnapshot(bytes))).toEqual(bytes);
      }),
    );
  });

  it('applying a prefix, snapshotting, restoring and applying the rest equals applying all', () => {
    fc.assert(
      fc.property(commands, fc.nat(), (cmds, cut) => {
        const split = cmds.length === 0 ? 0 : cut % (cmds.length + 1);
        const all = run(cmds);
        const prefix = run(cmds.slice(0, split));
        const restored = decodeSnapshot(encodeSnapshot(prefix.state));
        const rest = run(cmds.slice(split), restored);
        expect([...prefix.results, ...rest.results]).toEqual(all.results);
        expect(encodeSnapshot(rest.state)).toEqual(encodeSnapshot(all.state));
        // The rebuilt node id index matches the one kept while applying.
        expect(rest.state.tokenOfNode).toEqual(all.state.tokenOfNode);
      }),
    );
  });

  it('keeps every invariant; a refused command returns the very state it was given', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        let s = emptyState();
        for (const cmd of cmds) {
          const out = apply(s, cmd);
          if (!out.result.ok) expect(out.state).toBe(s);
          expect(invariantViolation(out.state)).toBeNull();
          s = out.state;
        }
      }),
    );
  });
});

describe('binding rules, under any history', () => {
  it('a token only ever connects as its node; a node id never has two tokens', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        let s = emptyState();
        // Token hash -> the node id it was first bound to, for as long as the token exists.
        const boundTo = new Map<string, string>();
        for (const cmd of cmds) {
          s = apply(s, cmd).state;
          for (const hash of [...boundTo.keys()])
            if (![...s.nodeTokens.values()].some((t) => t.hash === hash)) boundTo.delete(hash);
          const holders = new Map<string, number>();
          for (const token of s.nodeTokens.values()) {
            if (token.nodeId === null) continue;
            holders.set(token.nodeId, (holders.get(token.nodeId) ?? 0) + 1);
            const first = boundTo.get(token.hash) ?? token.nodeId;
            boundTo.set(token.hash, first);
            expect(token.nodeId).toBe(first);
            for (const other of ['n1', 'n2', 'n3'])
              expect(checkNodeToken(s, token.hash, other).ok).toBe(other === token.nodeId);
          }
          for (const count of holders.values()) expect(count).toBe(1);
        }
      }),
    );
  });
});
