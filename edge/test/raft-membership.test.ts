// Membership of the registry group in workerd, through the admin API: bad arguments refused with
// the peer still serving, 3 → 5 peers (the new ones catch up and vote), a leadership transfer,
// and the replacement of a peer (add 6, remove 2). The tests run in order on one group: storage
// is isolated per file, not per test.
import { runInDurableObject, SELF } from 'cloudflare:test';
import type { NodeId } from '@proxima/core/raft';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupStatus } from '../src/raft/client/membership-client.ts';
import type { PeerStatus } from '../src/raft/peer/raft-peer.ts';
import { ADMIN, BASE, type ErrorJson } from './helpers.ts';
import {
  agreedLeader,
  readRoute,
  routeSet,
  setFaults,
  sleep,
  statuses,
  stub,
  writeRoute,
} from './raft-group.ts';

/** Peers cut by a test, healed after it (never touch an id that is not a member yet: it would bind). */
const cut = new Set<NodeId>();
afterEach(async () => {
  await Promise.all([...cut].map((id) => setFaults(id, null)));
  cut.clear();
});

async function isolateAmong(id: NodeId, members: readonly NodeId[]): Promise<void> {
  cut.add(id);
  await setFaults(id, { seed: id, cut: members.filter((m) => m !== id) });
}

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

async function admin<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const res = await SELF.fetch(`${BASE}/admin/raft${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json<T>() };
}

/** An admin call expected to be refused: its status, code and a piece of its message. */
async function refused(
  method: string,
  path: string,
  body: unknown,
  status: number,
  message: string | RegExp,
): Promise<void> {
  const answer = await admin<ErrorJson>(method, path, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.error.message).toMatch(message);
}

/** Every member's status, and that they agree on one leader among them. */
async function group(members: readonly NodeId[]): Promise<{ leader: NodeId; all: PeerStatus[] }> {
  const leader = await agreedLeader(members);
  return { leader, all: await statuses(members) };
}

const t0 = Date.now();
const elapsed = () => `${Date.now() - t0} ms`;

describe('membership of the registry group', () => {
  it('refuses bad arguments with a precise error and keeps serving', async () => {
    const leader = await agreedLeader();
    await writeRoute([leader], 'w-first', 'first', 'a');
    const before = await group([1, 2, 3]);
    const follower = ([1, 2, 3] as const).find((p) => p !== leader) ?? 1;

    // Through the admin API: 400 for bad arguments, 404 for unknown peers, 409 for conflicts.
    for (const bad of [{ id: 0 }, { id: 65 }, { id: '4' }, { id: 1.5 }, {}, { id: 4, x: 1 }])
      await refused('POST', '/peers', bad, 400, /Invalid/);
    await refused('POST', '/peers', { id: 4, locationHint: 'mars' }, 400, /wnam, enam/);
    await refused('POST', '/peers', '{"id": 4', 400, /JSON/i);
    await refused('POST', '/peers', { id: 2 }, 409, /already a voter/);
    for (const bad of ['abc', '0', '65', '-1', '1e1'])
      await refused('DELETE', `/peers/${bad}`, undefined, 400, /integer from 1 to 64/);
    await refused('DELETE', '/peers/9', undefined, 404, /not a member/);
    await refused('DELETE', `/peers/${leader}`, undefined, 409, /is the leader; transfer/);
    await refused('DELETE', `/peers/${follower}`, undefined, 409, /would leave 2 voters/);
    await refused('POST', '/transfer', { to: 9 }, 404, /not a member/);
    await refused('POST', '/transfer', { to: 'x' }, 400, /Invalid 'to'/);
    const same = await admin<GroupStatus>('POST', '/transfer', { to: leader });
    expect(same).toMatchObject({ status: 200, body: { leader } });

    // The RPCs themselves, given what no route would send: refused as values.
    const at = stub(leader);
    const rpc = [
      await at.addPeer(leader, 'x' as unknown as NodeId, null, 500),
      await at.addPeer(leader, 4, 'mars', 500),
      await at.addPeer(99, 4, null, 500),
      await at.removePeer(leader, Number.NaN, 500),
      await at.transferLeadership(leader, -1, 500),
      await stub(follower).addPeer(follower, 4, null, 500),
    ];
    expect(rpc.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'not_leader',
    ]);
    expect(rpc[5]).toMatchObject({ leader });
    expect(await at.joinable('x' as unknown as NodeId)).toMatchObject({ ok: false });
    expect(await at.joinable(leader)).toMatchObject({ ok: false, message: /never reused/ });
    expect(await at.retire('x' as unknown as NodeId)).toMatchObject({ ok: false });

    // Nothing moved: same leader and term, same voters, and writes and reads go on everywhere.
    await writeRoute([1, 2, 3], 'w-after-bad', 'after-bad', 'b');
    for (const p of [1, 2, 3]) expect(await readRoute(p, 'after-bad')).toBe('b');
    const after = await group([1, 2, 3]);
    expect(after.leader).toBe(before.leader);
    for (const s of after.all) {
      expect(s.voters).toEqual([1, 2, 3]);
      expect(s.term).toBe(before.all[0]?.term);
    }
  }, 20_000);

  it('grows 3 → 5: the new peers catch up and vote, and earlier writes read back at every peer', async () => {
    await writeRoute([1, 2, 3], 'w-before-grow', 'before-grow', 'x');
    const grown: number[] = [];
    for (const [id, locationHint] of [
      [4, 'weur'],
      [5, undefined],
    ] as const) {
      const started = Date.now();
      const added = await admin<GroupStatus & { added: number }>('POST', '/peers', {
        id,
        ...(locationHint ? { locationHint } : {}),
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body).toMatchObject({ added: id, learners: [] });
      grown.push(Date.now() - started);
    }
    console.log(`add 4, add 5: ${grown.join(', ')} ms (at ${elapsed()})`);

    const all = [1, 2, 3, 4, 5] as const;
    const status = await admin<GroupStatus>('GET', '/status');
    expect(status.status).toBe(200);
    expect(status.body.voters).toEqual(all);
    expect(status.body.peers.map((p) => p.self)).toEqual(all);
    const { leader, all: views } = await group(all);
    for (const s of views) expect(s.voters).toEqual(all);

    await writeRoute(all, 'w-after-grow', 'after-grow', 'y');
    for (const p of all) {
      expect(await readRoute(p, 'before-grow')).toBe('x');
      expect(await readRoute(p, 'after-grow')).toBe('y');
    }

    // The new peers vote: cut the leader and another original peer; the three left (one of them
    // original) need both new peers to elect a leader and to commit.
    const gone = [leader, ([1, 2, 3] as const).find((p) => p !== leader) ?? 1];
    const left = all.filter((p) => !gone.includes(p));
    for (const p of gone) await isolateAmong(p, all);
    const next = await agreedLeader(left, 8000);
    expect(left).toContain(next);
    await writeRoute(left, 'w-without-two', 'without-two', 'z');
    for (const p of gone) await setFaults(p, null);
    cut.clear();
    await agreedLeader(all, 8000);
    for (const p of all) expect(await readRoute(p, 'without-two')).toBe('z');
    console.log(`3 → 5 and a vote without two originals: done at ${elapsed()}`);
  }, 30_000);

  it('transfers leadership to a new peer', async () => {
    const all = [1, 2, 3, 4, 5] as const;
    const leader = await agreedLeader(all);
    const to = leader === 5 ? 4 : 5;
    const started = Date.now();
    const moved = await admin<GroupStatus>('POST', '/transfer', { to });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.leader).toBe(to);
    console.log(`transfer ${leader} → ${to}: ${Date.now() - started} ms`);
    expect(await agreedLeader(all)).toBe(to);
    await writeRoute(all, 'w-after-transfer', 'after-transfer', 't');
  }, 15_000);

  it('replaces a peer (add 6, remove 2): the group keeps serving; peer 2 stays out and quiet', async () => {
    const all = [1, 2, 3, 4, 5] as const;
    let leader = await agreedLeader(all);
    if (leader === 2) {
      expect((await admin('POST', '/transfer', { to: 1 })).status).toBe(200);
      leader = await agreedLeader(all);
    }

    // Writes keep committing while the membership changes under them.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await writeRoute([1, 3, 4, 5], `w-during-${written}`, 'during', String(written));
        written++;
      }
    })();
    const started = Date.now();
    const added = await admin<GroupStatus>('POST', '/peers', { id: 6 });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const removed = await admin<GroupStatus & { removed: number; retired: boolean }>(
      'DELETE',
      '/peers/2',
    );
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ removed: 2, voters: [1, 3, 4, 5, 6], retired: true });
    console.log(`add 6, remove 2: ${Date.now() - started} ms, ${written} writes meanwhile`);
    writing = false;
    await writer;
    expect(written).toBeGreaterThan(0);

    const members = [1, 3, 4, 5, 6] as const;
    const status = await admin<GroupStatus>('GET', '/status');
    expect(status.body.peers.map((p) => p.self)).toEqual(members);
    const before = await group(members);
    for (const p of members) {
      expect(await readRoute(p, 'before-grow')).toBe('x');
      expect(await readRoute(p, 'during')).toBe(String(written - 1));
    }

    // Peer 2 is out: it refuses changes and proposals, may not come back under its id, and over
    // 20 ticks the members' leader and term do not move.
    const two = stub(2);
    expect(await two.addPeer(2, 7, null, 500)).toMatchObject({ ok: false, reason: 'not_leader' });
    expect(await two.propose(2, 'from-2', routeSet('from-2', 'no'), 500)).toMatchObject({
      ok: false,
    });
    await refused('POST', '/peers', { id: 2 }, 409, /never reused/);
    await refused('DELETE', '/peers/2', undefined, 404, /not a member/);
    await sleep(1000);
    // Retired, it stopped its alarm: the boot by that proposal armed one, which fired and ended.
    await runInDurableObject(two, async (_peer, state) => {
      expect(await state.storage.getAlarm()).toBeNull();
    });
    const later = await group(members);
    expect(later.leader).toBe(before.leader);
    for (const s of later.all) {
      expect(s.voters).toEqual(members);
      expect(s.term).toBe(before.all[0]?.term);
    }
    await writeRoute(members, 'w-after-replace', 'after-replace', 'r');
    for (const p of members) expect(await readRoute(p, 'after-replace')).toBe('r');
    console.log(`replacement checked at ${elapsed()}`);
  }, 30_000);
});
