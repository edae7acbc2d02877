// The hand-over from the old plain `Registry` object to the replicated registry, in workerd: rows
// are seeded into the old object's SQLite as the old code wrote them, then handed over and read
// back from the Raft group. Storage is isolated per file, not per test, so each scenario uses its
// own legacy instance (the class does not depend on its name) and its own hashes.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import {
  keyIdOf,
  tokenIdOf,
  type AnswerOf,
  type RegistryCommandInput,
  type RegistryQuery,
} from '@proxima/core/registry';
import { describe, expect, it } from 'vitest';
import { legacyRegistryStub } from '../src/env.ts';
import { RegistryClient } from '../src/raft/client/registry-client.ts';
import { peerStub } from '../src/raft/peer/peers.ts';
import type { HandOverReport } from '../src/registry/hand-over-report.ts';
import type { LegacyRegistry } from '../src/registry/legacy-registry.ts';
import { ensureLegacyHandedOver, legacyHandOverReport } from '../src/registry/hand-over.ts';
import { registryHandOver } from '../src/routes/admin/hand-over.ts';
import { agreedLeader, sleep, statuses, testEnv } from './raft-group.ts';

const T0 = 1_700_000_000_000;

function legacy(name: string): DurableObjectStub<LegacyRegistry> {
  return testEnv.REGISTRY.get(testEnv.REGISTRY.idFromName(name));
}

function randomHash(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

interface SeedRows {
  readonly tenants?: ReadonlyArray<{ name: string; limits: string; at: number }>;
  readonly keys?: ReadonlyArray<{
    hash: string;
    tenant: string;
    name: string;
    limits: string;
    at: number;
  }>;
  readonly tokens?: ReadonlyArray<{
    hash: string;
    name: string;
    nodeId: string | null;
    at: number;
  }>;
}

/** Inserts rows the way the old Credentials class did (the constructor ran the migrations). */
async function seed(name: string, rows: SeedRows): Promise<void> {
  await runInDurableObject(legacy(name), (_instance, state) => {
    const sql = state.storage.sql;
    for (const t of rows.tenants ?? [])
      sql.exec(
        'INSERT INTO tenants (name, limits_json, updated_at) VALUES (?, ?, ?)',
        t.name,
        t.limits,
        t.at,
      );
    for (const k of rows.keys ?? [])
      sql.exec(
        'INSERT INTO api_keys (hash, id, tenant, name, limits_json, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        k.hash,
        keyIdOf(k.hash),
        k.tenant,
        k.name,
        k.limits,
        k.at,
      );
    for (const t of rows.tokens ?? [])
      sql.exec(
        'INSERT INTO node_tokens (hash, id, name, node_id, created_at) VALUES (?, ?, ?, ?, ?)',
        t.hash,
        tokenIdOf(t.hash),
        t.name,
        t.nodeId,
        t.at,
      );
  });
}

async function sqlCount(name: string, table: string): Promise<number> {
  return runInDurableObject(legacy(name), (_instance, state) => {
    const row = state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one();
    return row.n;
  });
}

/** A proposal from the test, once the group has a leader. */
async function propose(command: RegistryCommandInput) {
  await agreedLeader();
  return new RegistryClient(testEnv).propose(command);
}

/** A linearizable query at the leader, retried until it answers. */
async function query<Q extends RegistryQuery>(q: Q): Promise<AnswerOf<Q>> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const leader = await agreedLeader();
    const read = await peerStub(testEnv, leader).query(leader, q, 2000);
    if (read.ok) return read.value as AnswerOf<Q>;
    if (read.reason === 'invalid') throw new Error(read.message);
    await sleep(100);
  }
  throw new Error(`query ${JSON.stringify(q)} got no answer`);
}

/** The group must have a leader first: a rejected DO RPC leaks in vitest-pool-workers. */
async function handOver(name: string): Promise<HandOverReport> {
  await agreedLeader();
  return legacy(name).handOver();
}

const auth = (hash: string) => query({ type: 'auth', hash, at: Date.now() });

describe('LegacyRegistry: handing the old rows over to the replicated registry', () => {
  const acmeKey = randomHash();
  const soloKey = randomHash();
  const brokenKey = randomHash();
  const boundToken = randomHash();
  const freeToken = randomHash();

  it('hands tenants, keys and node tokens over with their times and limits', async () => {
    await seed('global', {
      tenants: [
        { name: 'acme', limits: '{"requestsPerMinute":60}', at: T0 + 1 },
        { name: 'odd', limits: '{"requestsPerMinut":5}', at: T0 + 2 },
      ],
      keys: [
        {
          hash: acmeKey,
          tenant: 'acme',
          name: 'ci',
          limits: '{"tokensPerMinute":1000}',
          at: T0 + 10,
        },
        { hash: soloKey, tenant: 'solo', name: 'key', limits: '{}', at: T0 + 11 },
        { hash: brokenKey, tenant: 'odd', name: 'key', limits: 'not json', at: T0 + 12 },
      ],
      tokens: [
        { hash: boundToken, name: 'gpu', nodeId: 'gpu-box-1', at: T0 + 20 },
        { hash: freeToken, name: 'node', nodeId: null, at: T0 + 21 },
      ],
    });

    const report = await handOver('global');
    expect(report).toMatchObject({
      complete: true,
      tenants: { rows: 2, handedOver: 2, refused: 0 },
      keys: { rows: 3, handedOver: 3, refused: 0 },
      nodeTokens: { rows: 2, handedOver: 2, refused: 0 },
      proposals: 7,
      refused: [],
    });
    expect(report.completedAt).toEqual(expect.any(Number));
    expect(report.notMigrated).toMatch(/catalogue/);
    expect(report.limitsDropped).toEqual([
      { kind: 'tenant', id: 'odd', stored: '{"requestsPerMinut":5}' },
      { kind: 'key', id: keyIdOf(brokenKey), stored: 'not json' },
    ]);

    expect((await auth(acmeKey)).record).toMatchObject({
      tenant: 'acme',
      keyId: keyIdOf(acmeKey),
      keyName: 'ci',
      limits: { tenant: { requestsPerMinute: 60 }, key: { tokensPerMinute: 1000 } },
      scopes: ['chat', 'models'],
      expiresAt: null,
    });
    expect((await auth(soloKey)).record).toMatchObject({
      tenant: 'solo',
      limits: { tenant: {}, key: {} },
    });
    expect((await auth(brokenKey)).record).toMatchObject({
      tenant: 'odd',
      limits: { tenant: {}, key: {} },
    });
    const keys = await query({ type: 'keys', tenant: 'acme' });
    expect(keys).toEqual([expect.objectContaining({ id: keyIdOf(acmeKey), createdAt: T0 + 10 })]);

    const tenants = await query({ type: 'tenants' });
    expect(tenants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tenant: 'acme',
          limits: { requestsPerMinute: 60 },
          keys: 1,
          createdAt: T0 + 1,
        }),
        expect.objectContaining({ tenant: 'odd', limits: {}, keys: 1 }),
        expect.objectContaining({ tenant: 'solo', limits: {}, keys: 1, createdAt: T0 + 11 }),
      ]),
    );

    const tokens = await query({ type: 'nodeTokens' });
    expect(tokens).toEqual(
      expect.arrayContaining([
        {
          id: tokenIdOf(boundToken),
          name: 'gpu',
          nodeId: 'gpu-box-1',
          createdAt: T0 + 20,
          boundAt: T0 + 20,
        },
        { id: tokenIdOf(freeToken), name: 'node', nodeId: null, createdAt: T0 + 21, boundAt: null },
      ]),
    );
    expect(await query({ type: 'nodeToken', hash: boundToken, nodeId: 'gpu-box-1' })).toMatchObject(
      { ok: true, bind: false },
    );
    expect(await query({ type: 'nodeToken', hash: boundToken, nodeId: 'gpu-box-2' })).toEqual({
      ok: false,
      reason: 'bound_elsewhere',
    });

    // The same secret again is refused: it is there, once.
    const again = await propose({
      v: 1,
      type: 'key.create',
      hash: acmeKey,
      tenant: 'acme',
      name: 'ci',
      limits: {},
      at: Date.now(),
    });
    expect(again).toMatchObject({ ok: false, code: 'key_exists' });
    // The old tables are kept as they were, as a backup.
    expect(await sqlCount('global', 'api_keys')).toBe(3);
    expect(await sqlCount('global', 'node_tokens')).toBe(2);
    expect(await sqlCount('global', 'tenants')).toBe(2);
  }, 30_000);

  it('a complete hand-over answers its stored report and proposes nothing again', async () => {
    const before = await handOver('global');
    expect(before.complete).toBe(true);
    // Revoked in the replicated registry after the hand-over: a later call must not bring it back.
    expect(await propose({ v: 1, type: 'key.revoke', id: keyIdOf(soloKey) })).toMatchObject({
      ok: true,
    });
    const commitBefore = Math.max(...(await statuses()).map((s) => s.commit));
    const after = await handOver('global');
    expect(after).toEqual({ ...before, proposals: 0 });
    expect((await auth(soloKey)).record).toBeNull();
    const commitAfter = Math.max(...(await statuses()).map((s) => s.commit));
    expect(commitAfter).toBe(commitBefore);
  }, 20_000);

  it('the Worker side and the admin route see the complete hand-over', async () => {
    await agreedLeader();
    await expect(ensureLegacyHandedOver(testEnv)).resolves.toBeUndefined();
    await expect(ensureLegacyHandedOver(testEnv)).resolves.toBeUndefined();
    expect((await legacyHandOverReport(testEnv)).complete).toBe(true);
    expect((await legacyRegistryStub(testEnv).handOver()).keys.rows).toBe(3);
    const res = await registryHandOver.request('/', {}, testEnv);
    expect(res.status).toBe(200);
    const body: HandOverReport = await res.json();
    expect(body).toMatchObject({ complete: true, proposals: 0, keys: { rows: 3, handedOver: 3 } });
  }, 20_000);

  it('an empty old registry hands over nothing and is complete at once', async () => {
    const report = await handOver('empty');
    expect(report).toMatchObject({
      complete: true,
      tenants: { rows: 0, handedOver: 0, refused: 0 },
      keys: { rows: 0, handedOver: 0, refused: 0 },
      nodeTokens: { rows: 0, handedOver: 0, refused: 0 },
      proposals: 0,
      refused: [],
      limitsDropped: [],
    });
    expect(await sqlCount('empty', 'handover')).toBe(1);
  });

  it('reports a conflicting row, keeps it, is not complete, and finishes once the conflict is gone', async () => {
    const fine = randomHash();
    const clash = randomHash();
    const sharesPrefix = clash.slice(0, 12) + randomHash().slice(12);
    const mine = randomHash();
    const theirs = randomHash();
    // Already in the replicated registry: a key holding `clash`'s id with another secret, and a
    // token bound to the node id the old token is bound to.
    expect(
      await propose({
        v: 1,
        type: 'key.create',
        hash: sharesPrefix,
        tenant: 'other',
        name: 'k',
        limits: {},
        at: Date.now(),
      }),
    ).toMatchObject({ ok: true });
    const other = await propose({
      v: 1,
      type: 'node.enroll',
      hash: theirs,
      name: 'n',
      nodeId: 'taken-node',
      at: Date.now(),
    });
    expect(other).toMatchObject({ ok: true });
    await seed('conflict', {
      keys: [
        { hash: fine, tenant: 'c1', name: 'ok', limits: '{}', at: T0 },
        { hash: clash, tenant: 'c1', name: 'clash', limits: '{}', at: T0 + 1 },
      ],
      tokens: [{ hash: mine, name: 'n', nodeId: 'taken-node', at: T0 + 2 }],
    });

    const first = await handOver('conflict');
    expect(first).toMatchObject({
      complete: false,
      completedAt: null,
      keys: { rows: 2, handedOver: 1, refused: 1 },
      nodeTokens: { rows: 1, handedOver: 0, refused: 1 },
      proposals: 3,
    });
    expect(first.refused.map((r) => [r.kind, r.id, r.code])).toEqual([
      ['key', keyIdOf(clash), 'key_exists'],
      ['nodeToken', tokenIdOf(mine), 'node_id_taken'],
    ]);
    expect(first.refused[0]?.message).toMatch(/taken by another key/);
    expect(first.refused[1]?.message).toMatch(/taken-node/);
    expect(await sqlCount('conflict', 'handover')).toBe(0);
    expect(await sqlCount('conflict', 'node_tokens')).toBe(1);
    expect((await auth(fine)).record).toMatchObject({ tenant: 'c1' });

    // A retry proposes only the refused rows: `fine`, revoked meanwhile, stays revoked.
    expect(await propose({ v: 1, type: 'key.revoke', id: keyIdOf(fine) })).toMatchObject({
      ok: true,
    });
    const second = await handOver('conflict');
    expect(second).toMatchObject({
      complete: false,
      proposals: 2,
      keys: { handedOver: 1, refused: 1 },
    });
    expect((await auth(fine)).record).toBeNull();

    // The operator clears both conflicts; the next call finishes the hand-over.
    expect(await propose({ v: 1, type: 'key.revoke', id: keyIdOf(sharesPrefix) })).toMatchObject({
      ok: true,
    });
    expect(await propose({ v: 1, type: 'node.revoke', id: tokenIdOf(theirs) })).toMatchObject({
      ok: true,
    });
    const third = await handOver('conflict');
    expect(third).toMatchObject({
      complete: true,
      proposals: 2,
      refused: [],
      keys: { handedOver: 2 },
      nodeTokens: { handedOver: 1 },
    });
    expect(await sqlCount('conflict', 'handover')).toBe(1);
    expect((await auth(clash)).record).toMatchObject({ tenant: 'c1', keyName: 'clash' });
    expect(await query({ type: 'nodeToken', hash: mine, nodeId: 'taken-node' })).toMatchObject({
      ok: true,
      bind: false,
    });
    expect((await handOver('conflict')).proposals).toBe(0);
  }, 30_000);

  it('counts rows an interrupted earlier run already put there as handed over', async () => {
    const key = randomHash();
    const token = randomHash();
    // The earlier run's proposals landed but their answers were lost.
    expect(
      await propose({
        v: 1,
        type: 'key.create',
        hash: key,
        tenant: 'r1',
        name: 'k',
        limits: {},
        at: T0,
      }),
    ).toMatchObject({ ok: true });
    expect(
      await propose({ v: 1, type: 'node.enroll', hash: token, name: 'n', at: T0 }),
    ).toMatchObject({ ok: true });
    await seed('resume', {
      keys: [{ hash: key, tenant: 'r1', name: 'k', limits: '{}', at: T0 }],
      tokens: [{ hash: token, name: 'n', nodeId: null, at: T0 }],
    });
    const report = await handOver('resume');
    expect(report).toMatchObject({
      complete: true,
      proposals: 2,
      refused: [],
      keys: { handedOver: 1 },
      nodeTokens: { handedOver: 1 },
    });
  }, 20_000);

  it('concurrent calls share one run', async () => {
    const hashes = Array.from({ length: 5 }, randomHash);
    await seed('concurrent', {
      keys: hashes.map((hash, i) => ({
        hash,
        tenant: 'cc',
        name: `k${i}`,
        limits: '{}',
        at: T0 + i,
      })),
    });
    await agreedLeader();
    const commitBefore = Math.max(...(await statuses()).map((s) => s.commit));
    const stub = legacy('concurrent');
    const [a, b] = await Promise.all([stub.handOver(), stub.handOver()]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ complete: true, proposals: 5 });
    const commitAfter = Math.max(...(await statuses()).map((s) => s.commit));
    // Two runs would have put 10 entries in the log; an election adds at most one more.
    expect(commitAfter - commitBefore).toBeGreaterThanOrEqual(5);
    expect(commitAfter - commitBefore).toBeLessThan(10);
  }, 20_000);

  it('reads a state directory from before versioning (schema 1) after upgrading it', async () => {
    const key = randomHash();
    const token = randomHash();
    // What the first registry left: v1 tables, no schema_version, no ids, limits or bindings.
    await runInDurableObject(legacy('v1'), (_instance, state) => {
      const sql = state.storage.sql;
      for (const t of [
        'api_keys',
        'node_tokens',
        'models',
        'nodes',
        'tenants',
        'handover_rows',
        'handover',
        'schema_version',
      ])
        sql.exec(`DROP TABLE IF EXISTS ${t}`);
      sql.exec(`CREATE TABLE api_keys (hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE node_tokens (hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE models (id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
        CREATE TABLE nodes (node_id TEXT PRIMARY KEY, models_json TEXT NOT NULL, engine TEXT NOT NULL, gpu TEXT NOT NULL,
          slots INTEGER NOT NULL, session INTEGER NOT NULL, connected INTEGER NOT NULL, draining INTEGER NOT NULL, updated_at INTEGER NOT NULL);`);
      sql.exec(
        'INSERT INTO api_keys (hash, tenant, name, created_at) VALUES (?, ?, ?, ?)',
        key,
        'old',
        'first',
        T0,
      );
      sql.exec(
        'INSERT INTO node_tokens (hash, name, created_at) VALUES (?, ?, ?)',
        token,
        'old-node',
        T0 + 1,
      );
    });
    await evictDurableObject(legacy('v1'));
    const report = await handOver('v1');
    expect(report).toMatchObject({
      complete: true,
      proposals: 2,
      keys: { rows: 1, handedOver: 1 },
      nodeTokens: { rows: 1, handedOver: 1 },
    });
    expect((await auth(key)).record).toMatchObject({
      tenant: 'old',
      keyName: 'first',
      keyId: keyIdOf(key),
    });
    expect(await query({ type: 'nodeTokens' })).toEqual(
      expect.arrayContaining([
        { id: tokenIdOf(token), name: 'old-node', nodeId: null, createdAt: T0 + 1, boundAt: null },
      ]),
    );
  }, 20_000);
});
