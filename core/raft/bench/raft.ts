// `npm run bench:raft`: throughput with and without batching, messages and bytes per committed
// entry, and ticks to recover after leader loss, all in simulation. Ends with one JSON line.
import { Cluster, TICK } from '../sim/cluster.ts';
import { waitLeader } from '../sim/testing.ts';
import { NONE } from '../types.ts';
import { encodeCommand } from '../sim/kv.ts';

let entryBytes = 0;
/** 100 Mbit/s per directed link, in bytes per simulated millisecond. */
const BANDWIDTH = 12_500;

interface Throughput {
  entries: number;
  wallMs: number;
  simMs: number;
  messages: number;
  bytes: number;
}

/**
 * Commits `total` small puts. Clients offer up to `perMs` new proposals per simulated millisecond
 * while fewer than `window` are outstanding. Batched: one Ready per millisecond carries them all.
 * Unbatched: every proposal gets its own Ready, and every MsgApp carries a single entry.
 */
function throughput(batched: boolean, total: number, window: number, perMs: number): Throughput {
  const c = new Cluster({
    seed: 1,
    nodes: 3,
    // Without batching every MsgApp carries one entry, even when flow control lets several queue up.
    raft: { maxInflightMsgs: 256, maxSizePerMsg: batched ? 1 << 20 : 1 },
  });
  const lead = waitLeader(c);
  c.net.bandwidth = BANDWIDTH;
  const ln = c.node(lead);
  const start = ln.rn.raft.raftLog.committed;
  c.net.resetStats();
  const t0 = performance.now();
  const sim0 = c.now;
  let proposed = 0;
  // A small KV put through the log (about 100 bytes encoded).
  const payload = (): Uint8Array =>
    encodeCommand({
      client: 1,
      seq: proposed + 1,
      opId: 0,
      op: { kind: 'put', key: 'k', value: 'v' },
    });
  entryBytes = payload().length;
  while (ln.rn.raft.raftLog.committed - start < total) {
    const outstanding = proposed - (ln.rn.raft.raftLog.committed - start);
    const room = Math.min(window - outstanding, total - proposed, perMs);
    if (batched && room > 0) {
      // All proposals of this millisecond share one Ready, hence one MsgApp per follower.
      const batch: Uint8Array[] = [];
      for (let i = 0; i < room; i++) {
        batch.push(payload());
        proposed++;
      }
      ln.rn.proposeBatch(batch);
      ln.process();
    } else {
      for (let i = 0; i < room; i++) {
        ln.rn.propose(payload());
        proposed++;
        ln.process(); // one Ready, one MsgApp per follower, per proposal
      }
    }
    c.step();
  }
  return {
    entries: total,
    wallMs: performance.now() - t0,
    simMs: c.now - sim0,
    messages: c.net.stats.messages,
    bytes: c.net.stats.bytes,
  };
}

function recoveryTicks(trials: number): number[] {
  const out: number[] = [];
  for (let seed = 1; seed <= trials; seed++) {
    const c = new Cluster({ seed, nodes: 3, skew: 0.1 });
    const lead = waitLeader(c);
    if (lead === NONE) continue;
    c.runTicks(5);
    c.crash(lead);
    const t0 = c.now;
    c.runUntil(() => c.available(), 1000 * TICK);
    out.push((c.now - t0) / TICK);
  }
  return out.sort((a, b) => a - b);
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const total = 20_000;
const batched = throughput(true, total, 4096, 512);
const unbatched = throughput(false, total, 4096, 512);
const rec = recoveryTicks(100);
const pct = (p: number): number => rec[Math.min(rec.length - 1, Math.floor(p * rec.length))] ?? -1;

const report = (t: Throughput) => ({
  entries_per_sec_wall: Math.round((t.entries / t.wallMs) * 1000),
  entries_per_sec_sim: Math.round((t.entries / t.simMs) * 1000),
  messages_per_entry: round(t.messages / t.entries, 3),
  bytes_per_entry: round(t.bytes / t.entries, 1),
});
const b = report(batched);
const u = report(unbatched);
console.log(`batched:   ${JSON.stringify(b)}`);
console.log(`unbatched: ${JSON.stringify(u)}`);
console.log(
  JSON.stringify({
    nodes: 3,
    entry_bytes: entryBytes,
    entries: total,
    note: 'sim time: 1 unit = 1 ms, 1 tick = 10 ms, links 1 ms + 100 Mbit/s',
    batched_entries_per_sec_wall: b.entries_per_sec_wall,
    unbatched_entries_per_sec_wall: u.entries_per_sec_wall,
    batched_entries_per_sec_sim: b.entries_per_sec_sim,
    unbatched_entries_per_sec_sim: u.entries_per_sec_sim,
    batched_messages_per_entry: b.messages_per_entry,
    unbatched_messages_per_entry: u.messages_per_entry,
    batched_bytes_per_entry: b.bytes_per_entry,
    unbatched_bytes_per_entry: u.bytes_per_entry,
    recover_ticks_p50: pct(0.5),
    recover_ticks_p99: pct(0.99),
    recover_ticks_max: rec[rec.length - 1] ?? -1,
  }),
);
