// The registry group under transport faults, in workerd: leader loss, a minority cut off and
// returned, and a concurrent workload's history checked for linearizability by core/raft/checker
// (which must also catch reads served without ReadIndex).
import { runInDurableObject } from 'cloudflare:test';
import { SeededRand, type NodeId } from '@proxima/core/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHistory, formatViolation } from '../../core/raft/checker/linearizability.ts';
import {
  faultInjectionEnabled,
  parseFaultSpec,
  PeerFaults,
  requireFaultInjection,
  type FaultSpec,
} from '../src/raft/peer/faults.ts';
import type { Env } from '../src/env.ts';
import { RaftPeer, type ReadMode } from '../src/raft/peer/raft-peer.ts';
import {
  agreedLeader,
  healAll,
  isolate,
  others,
  peers,
  readRoute,
  routeSet,
  setFaults,
  sleep,
  stub,
  testEnv,
  writeRoute,
} from './raft-group.ts';
import { History, RegisterClient, runClients, type WorkloadOptions } from './raft-workload.ts';

afterEach(healAll);

/** Drops a share of the batches on every link, in both directions, each peer with its own seed. */
function drops(peer: NodeId, p: number, seed: number, cut: readonly NodeId[] = []): FaultSpec {
  return { seed: seed + peer, drop: Object.fromEntries(others(peer).map((o) => [o, p])), cut };
}

async function dropEverywhere(p: number, seed: number): Promise<void> {
  await Promise.all(peers.map((id) => setFaults(id, drops(id, p, seed))));
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(20);
}

describe('fault injection: test builds only', () => {
  it('refuses setFaults and local reads unless RAFT_FAULT_INJECTION is "on"', async () => {
    expect(() => requireFaultInjection({}, 'setFaults')).toThrow(
      /setFaults is for tests only: it needs RAFT_FAULT_INJECTION="on"/,
    );
    expect(() => requireFaultInjection({ RAFT_FAULT_INJECTION: 'true' }, 'setFaults')).toThrow();
    expect(() => requireFaultInjection({ RAFT_FAULT_INJECTION: 'on' }, 'setFaults')).not.toThrow();
    expect(faultInjectionEnabled(testEnv)).toBe(true);
    // The RPC methods themselves, on an object built with a production env (no flag). Called in
    // the object rather than over RPC: a rejecting DO RPC leaks an unhandled rejection in the
    // vitest pool (cloudflare/workers-sdk#14736).
    const { RAFT_FAULT_INJECTION: _flag, ...production } = testEnv as Env & {
      RAFT_FAULT_INJECTION?: string;
    };
    const probe = testEnv.RAFT_PEER.get(testEnv.RAFT_PEER.idFromName('fault-guard-probe'));
    await runInDurableObject(probe, async (_instance: RaftPeer, state) => {
      const peer = new RaftPeer(state, production);
      expect(() => peer.setFaults(1, { seed: 1, cut: [2] })).toThrow(/RAFT_FAULT_INJECTION="on"/);
      await expect(peer.readRoute(1, 'x', 100, 'local')).rejects.toThrow(/tests only/);
    });
  }, 10_000);

  it('validates a spec, and setFaults refuses a bad one with the reason', async () => {
    expect(parseFaultSpec({ seed: 7, drop: { 2: 0.5, 3: 0 }, cut: [3] })).toEqual({
      seed: 7,
      drop: new Map([[2, 0.5]]),
      cut: new Set([3]),
    });
    expect(() => parseFaultSpec({ drop: {} })).toThrow(/seed/);
    expect(() => parseFaultSpec({ seed: 1, drop: { 2: 1.5 } })).toThrow(/probability/);
    expect(() => parseFaultSpec({ seed: 1, drop: { x: 0.1 } })).toThrow(/not a peer/);
    expect(() => parseFaultSpec({ seed: 1, cut: [0] })).toThrow(/cut/);
    const bad = { seed: 1, cut: ['raft-2'] } as unknown as FaultSpec;
    await runInDurableObject(stub(1), (peer: RaftPeer) => {
      expect(() => peer.setFaults(1, bad)).toThrow(/cut must be a list of peer ids/);
    });
  }, 10_000);

  it('drops by seed reproducibly, and a cut works both ways', () => {
    const decisions = () => {
      const f = new PeerFaults();
      f.set({ seed: 42, drop: { 2: 0.3 }, cut: [3] });
      return Array.from({ length: 200 }, () => f.send(2));
    };
    const first = decisions();
    expect(decisions()).toEqual(first);
    const dropped = first.filter((d) => d === 'drop').length;
    expect(dropped).toBeGreaterThan(30);
    expect(dropped).toBeLessThan(90);
    const f = new PeerFaults();
    f.set({ seed: 1, cut: [3] });
    expect([f.send(3), f.receive(3), f.send(2), f.receive(2)]).toEqual([
      'drop',
      'drop',
      'deliver',
      'deliver',
    ]);
    f.set(null);
    expect([f.send(3), f.receive(3)]).toEqual(['deliver', 'deliver']);
  }, 5_000);
});

describe('RaftPeer under transport faults', () => {
  it('leader loss: a new leader is elected among the other two, no acknowledged write is lost, the old leader catches up', async () => {
    const old = await agreedLeader();
    const acked = new Map<string, string>();
    for (let i = 0; i < 5; i++) {
      await writeRoute([old], `ll-before-${i}`, `ll-${i}`, `ll-model-${i}`);
      acked.set(`ll-${i}`, `ll-model-${i}`);
    }
    await isolate(old);
    const rest = others(old);
    const next = await agreedLeader(rest, 8000);
    expect(next).not.toBe(old);
    for (const [alias, target] of acked)
      for (const id of rest) expect(await readRoute(id, alias)).toBe(target);

    // Writes continue through the new leader; the cut-off one serves no linearizable read.
    for (let i = 0; i < 3; i++) {
      await writeRoute(rest, `ll-after-${i}`, `ll-${i}`, `ll-model-${i}-b`);
      acked.set(`ll-${i}`, `ll-model-${i}-b`);
    }
    expect(await stub(old).readRoute(old, 'll-0', 300)).toMatchObject({ ok: false });

    await healAll();
    const leader = await agreedLeader(peers, 8000);
    expect(rest).toContain(leader);
    for (const [alias, target] of acked) expect(await readRoute(old, alias)).toBe(target);
    expect((await stub(old).status(old)).leader).toBe(leader);
  }, 40_000);

  it('a minority peer isolated, then returned: writes continue through the majority, the peer catches up', async () => {
    const leader = await agreedLeader();
    const [cut, other] = others(leader) as [NodeId, NodeId];
    const termBefore = (await stub(leader).status(leader)).term;
    await isolate(cut);
    const writes = new Map<string, string>();
    for (let i = 0; i < 6; i++) {
      await writeRoute([leader, other], `mi-${i}`, `mi-${i % 3}`, `mi-model-${i}`);
      writes.set(`mi-${i % 3}`, `mi-model-${i}`);
    }
    const [lagging, ahead] = await Promise.all([
      stub(cut).status(cut),
      stub(leader).status(leader),
    ]);
    expect(lagging.applied).toBeLessThan(ahead.commit);
    expect(await stub(cut).readRoute(cut, 'mi-0', 300)).toMatchObject({ ok: false });

    await healAll();
    for (const [alias, target] of writes) expect(await readRoute(cut, alias)).toBe(target);
    // Pre-vote kept the returning peer from disrupting the group: same leader, same term.
    expect(await agreedLeader()).toBe(leader);
    expect((await stub(leader).status(leader)).term).toBe(termBefore);
  }, 40_000);

  /**
   * Cuts a follower off, writes a new value through the majority, then reads it at the cut
   * follower in `mode` once the write returned. Local reads answer the old value (a violation
   * the checker must find); a linearizable read gets no answer there (recorded as indeterminate).
   */
  async function staleFollowerProbe(
    history: History,
    mode: ReadMode,
    seed: number,
  ): Promise<{ before: string; after: string; read: { value: string | null } | null }> {
    const probe = new RegisterClient(99, {
      tag: `probe-${mode}`,
      history,
      rand: new SeededRand(seed),
      attemptMs: 500,
      opMs: 10_000,
    });
    const alias = `probe-${mode}`;
    const leader = await agreedLeader(peers, 8000);
    const stale = others(leader)[0] as NodeId;
    const before = await probe.put(alias);
    if (before === null) throw new Error('the probe’s first write got no answer');
    // Wait until the follower applied it, unrecorded: it then holds `before` when it is cut.
    const deadline = Date.now() + 8000;
    for (;;) {
      const seen = await stub(stale).readRoute(stale, alias, 0, 'local');
      if (seen.ok && seen.value === before) break;
      if (Date.now() > deadline) throw new Error(`peer ${stale} did not apply ${before}`);
      await sleep(20);
    }
    await setFaults(stale, drops(stale, 0.05, seed, others(stale)));
    const after = await probe.put(alias, others(stale));
    if (after === null) throw new Error('the majority did not take the probe’s write');
    const read = await probe.get(alias, mode, [stale], 1);
    await setFaults(stale, drops(stale, 0.05, seed));
    return { before, after, read };
  }

  const workload = (tag: string, readMode: ReadMode, seed: number): WorkloadOptions => ({
    tag,
    seed,
    history: new History(),
    clients: 5,
    opsPerClient: 80,
    aliases: [`${tag}-a`, `${tag}-b`, `${tag}-c`],
    readMode,
    writes: 0.5,
    attemptMs: 400,
    opMs: 6000,
  });

  function summary(name: string, h: History, started: number): string {
    const answered = h.ops.filter((o) => o.ret !== null);
    return JSON.stringify({
      name,
      ops: h.ops.length,
      puts: h.ops.filter((o) => o.op.kind === 'put').length,
      gets: h.ops.filter((o) => o.op.kind === 'get').length,
      answered: answered.length,
      indeterminate: h.indeterminate,
      ms: Date.now() - started,
    });
  }

  it('a concurrent workload under drops, a random peer cut and the leader cut (each healed) is linearizable', async () => {
    const started = Date.now();
    const seed = 1001;
    const options = workload('lin', 'linearizable', seed);
    const h = options.history;
    const rand = new SeededRand(seed);
    await agreedLeader();
    await dropEverywhere(0.05, seed);
    const total = options.clients * options.opsPerClient;
    // Two cuts while the clients run: a random peer at 20% of the ops, then whichever peer
    // leads at 55% (so every run loses a leader mid-workload), each healed after 2 s.
    const cuts: Array<{ peer: NodeId; led: boolean }> = [];
    const cut = async (at: number, pick: () => Promise<NodeId>) => {
      await until(() => h.ops.length >= total * at);
      const peer = await pick();
      cuts.push({ peer, led: (await stub(peer).status(peer)).leader === peer });
      await setFaults(peer, drops(peer, 0.05, seed, others(peer)));
      await sleep(2000);
      await setFaults(peer, drops(peer, 0.05, seed));
    };
    const disruption = async () => {
      await cut(0.2, () => Promise.resolve(peers[rand.intn(peers.length)] as NodeId));
      await cut(0.55, () => agreedLeader(peers, 8000));
    };
    await Promise.all([runClients(options), disruption()]);
    const probe = await staleFollowerProbe(h, 'linearizable', seed);
    expect(probe.read).toBeNull(); // the cut follower could not confirm a read point
    await healAll();

    const checkStarted = Date.now();
    const result = checkHistory(h.ops);
    console.log(
      summary('linearizable', h, started),
      JSON.stringify({ cuts, checkMs: Date.now() - checkStarted, ok: result.ok }),
    );
    expect(result.ok, result.violation ? formatViolation(result.violation) : '').toBe(true);
    expect(result.unknown).toBe(false);
    expect(h.ops.length).toBeGreaterThanOrEqual(total);
    expect(h.indeterminate).toBeLessThan(total * 0.1);
    const seen = h.ops.filter((o) => o.op.kind === 'get' && o.ret !== null && 'value' in o.result);
    expect(seen.some((o) => 'value' in o.result && o.result.value !== null)).toBe(true);
  }, 60_000);

  it('the broken read path is caught: local reads at a stale peer fail the checker', async () => {
    const started = Date.now();
    const seed = 2002;
    const options = { ...workload('brk', 'local', seed), opsPerClient: 40 };
    const h = options.history;
    await agreedLeader();
    await dropEverywhere(0.05, seed);
    const probing = async () => {
      await until(() => h.ops.length >= options.clients * options.opsPerClient * 0.2);
      return staleFollowerProbe(h, 'local', seed);
    };
    const [, probe] = await Promise.all([runClients(options), probing()]);
    await healAll();
    expect(probe.read).toEqual({ value: probe.before }); // stale, after `after` was acknowledged

    const result = checkHistory(h.ops);
    console.log(
      summary('local', h, started),
      JSON.stringify({ ok: result.ok, violationKey: result.violation?.key }),
    );
    expect(result.ok).toBe(false);
    if (result.violation) console.log(formatViolation(result.violation));
  }, 60_000);
});

describe('ReplicaHost regressions', () => {
  it('a retry of a proposal id still waited on does not strand the first caller', async () => {
    const leader = await agreedLeader();
    const at = others(leader)[0] as NodeId;
    const command = routeSet('rg-same-id', 'rg-model');
    // The second call used to replace the first one's waiter: the first never answered.
    const [first, second] = await Promise.all([
      stub(at).propose(at, 'rg-same-id', command, 3000),
      stub(at).propose(at, 'rg-same-id', command, 3000),
    ]);
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true });
  }, 10_000);

  it('concurrent linearizable reads at every peer are all answered (read ids unique in the group)', async () => {
    await agreedLeader();
    await writeRoute(peers, 'rg-read', 'rg-read', 'rg-read-model');
    // Read ids used to be a per-peer counter: the leader keys pending reads by id, so a
    // follower's read that collided with another peer's was silently dropped and timed out.
    const reads = await Promise.all(
      peers.flatMap((id) =>
        Array.from({ length: 10 }, () => stub(id).readRoute(id, 'rg-read', 2000)),
      ),
    );
    expect(reads.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(reads.map((r) => r.ok && r.value))).toEqual(new Set(['rg-read-model']));
  }, 15_000);
});
