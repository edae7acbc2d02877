import { env, evictDurableObject, SELF } from 'cloudflare:test';
import { encodeCommand } from '@proxima/core/registry';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { peerStub } from '../src/raft/peer/peers.ts';
import { RegistryClient } from '../src/raft/client/registry-client.ts';
import type { PeerStatus } from '../src/raft/peer/raft-peer.ts';
import { ADMIN, BASE } from './helpers.ts';
import { tenantNames } from './raft-group.ts';

const testEnv = env as Env;
const peers = [1, 2, 3] as const;

async function statuses(): Promise<PeerStatus[]> {
  return Promise.all(peers.map((id) => peerStub(testEnv, id).status(id)));
}

/** Polls until every peer names the same leader (RAFT_TICK_MS is 50 in tests: about a second). */
async function agreedLeader(ms = 3000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const all = await statuses();
    const leader = all[0]?.leader ?? 0;
    if (leader !== 0 && all.every((s) => s.leader === leader)) return leader;
    if (Date.now() > deadline) throw new Error(`no agreed leader: ${JSON.stringify(all)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Proposes with a short timeout and retries the same id (a lost leader loses the forward). */
async function proposeRetrying(peer: 1 | 2 | 3, id: string, command: Uint8Array) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const outcome = await peerStub(testEnv, peer).propose(peer, id, command, 1000);
    if (outcome.ok) return outcome;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`proposal ${id} did not commit`);
}

const upsert = (tenant: string) =>
  encodeCommand({ v: 1, type: 'tenant.upsert', tenant, limits: {}, at: Date.now() });

describe('RaftPeer: the registry group in workerd', () => {
  it('elects one leader among three peers, each bootstrapped with the same voters', async () => {
    const leader = await agreedLeader();
    expect(peers).toContain(leader);
    for (const s of await statuses()) expect(s.voters).toEqual([1, 2, 3]);
  });

  it('replicates a command proposed at any peer and reads it back linearizably at another', async () => {
    await agreedLeader();
    const proposed = await peerStub(testEnv, 2).propose(2, 'p-acme', upsert('acme'), 5000);
    expect(proposed).toMatchObject({ ok: true, result: { ok: true } });
    expect(await tenantNames(3)).toContain('acme');
  });

  it('applies a retried proposal once', async () => {
    await agreedLeader();
    const first = await peerStub(testEnv, 1).propose(1, 'p-once', upsert('once'), 5000);
    const again = await peerStub(testEnv, 1).propose(1, 'p-once', upsert('once'), 5000);
    expect(first).toMatchObject({ ok: true, result: { ok: true } });
    expect(again).toEqual({ ok: true, duplicate: true });
  });

  it('a peer restarted from storage alone catches up and serves reads', async () => {
    await agreedLeader();
    await proposeRetrying(1, 'p-before', upsert('before-restart'));
    const stub = testEnv.RAFT_PEER.get(testEnv.RAFT_PEER.idFromName('raft-3'));
    await evictDurableObject(stub);
    await proposeRetrying(1, 'p-after', upsert('after-restart'));
    expect(await tenantNames(3)).toEqual(
      expect.arrayContaining(['before-restart', 'after-restart']),
    );
  }, 20_000);

  it('refuses a malformed batch with a reason and keeps serving', async () => {
    await agreedLeader();
    const stub = testEnv.RAFT_PEER.get(testEnv.RAFT_PEER.idFromName('raft-2'));
    for (const bad of [
      { v: 99, from: 1, messages: [] },
      null,
      'hello',
      { v: 1, from: 1, messages: [{ to: 999 }] },
      { v: 99, from: 1, messages: [{ to: 2 }] },
    ]) {
      const refused = await stub.deliver(bad as never);
      expect(refused).toMatchObject({ ok: false });
    }
    const proposed = await peerStub(testEnv, 2).propose(2, 'p-still', upsert('still'), 5000);
    expect(proposed).toMatchObject({ ok: true });
  });

  it('refuses bytes that are no command, or a command version this build does not apply, before Raft', async () => {
    await agreedLeader();
    const peer = peerStub(testEnv, 1);
    const before = (await peer.status(1)).commit;
    const garbage = await peer.propose(1, 'p-garbage', new Uint8Array([0xff, 0x00, 0x7b]), 1000);
    expect(garbage).toMatchObject({ ok: false, reason: 'invalid' });
    const v2 = new TextEncoder().encode(
      JSON.stringify({ v: 2, type: 'tenant.upsert', tenant: 'future', limits: {}, at: 1 }),
    );
    const newer = await peer.propose(1, 'p-v2', v2, 1000);
    expect(newer).toMatchObject({ ok: false, reason: 'invalid' });
    if (!newer.ok && 'message' in newer) expect(newer.message).toMatch(/not a version this build/);
    expect((await peer.status(1)).commit).toBe(before);
    expect(await peer.propose(1, 'p-after-bad', upsert('after-bad'), 5000)).toMatchObject({
      ok: true,
    });
  });

  it('raises the cluster version only to one every member applies', async () => {
    await agreedLeader();
    for (const s of await statuses())
      expect(s).toMatchObject({ commandVersion: 1, clusterVersion: 1 });
    const raise = (version: unknown) =>
      SELF.fetch(`${BASE}/admin/raft/version`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version }),
      });
    const tooNew = await raise(2);
    expect(tooNew.status).toBe(409);
    expect(await tooNew.text()).toMatch(/peer 1 applies up to version 1/);
    expect((await raise(0)).status).toBe(400);
    const same = await raise(1);
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual({ clusterVersion: 1, previous: 1 });
  });

  it('the client finds the leader, applies a command once, and says when a command is refused', async () => {
    await agreedLeader();
    const client = new RegistryClient(testEnv);
    const created = await client.propose({
      v: 1,
      type: 'tenant.upsert',
      tenant: 'via-client',
      limits: {},
      at: Date.now(),
    });
    expect(created).toMatchObject({ ok: true });
    const refused = await client.propose({ v: 1, type: 'tenant.remove', tenant: 'never-made' });
    expect(refused).toMatchObject({ ok: false, code: 'not_found' });
  });

  it('GET /admin/raft/status shows every peer and the leader they agree on', async () => {
    const leader = await agreedLeader();
    const res = await SELF.fetch(`${BASE}/admin/raft/status`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    const body = await res.json<{ peers: PeerStatus[] }>();
    expect(body.peers.map((p) => p.self)).toEqual([1, 2, 3]);
    expect(body.peers.every((p) => p.leader === leader)).toBe(true);
  });
});
