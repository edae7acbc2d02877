// `npm run sim -- --seeds N`: runs N seeded fault schedules and ends with one JSON summary line.
import { runSeed, summarize } from '../run.ts';
import type { RunOptions, RunResult } from '../run.ts';
import { USAGE, UsageError, parseSimArgs } from './args.ts';

function main(): number {
  let args;
  try {
    args = parseSimArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sim: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  // Broken variants run on a harsher schedule (no pre-vote or check-quorum, short timeouts, faults
  // every few ticks) so the bug gets a chance to surface; violations are then expected.
  const harsh = { preVote: false, checkQuorum: false, electionTick: 3 };
  const bugRuns: Record<string, Partial<RunOptions>> = {
    'follower-local-reads': { bugs: { followerLocalReads: true } },
    'vote-not-persisted': {
      bugs: { voteNotPersisted: true },
      raft: harsh,
      faultEvery: 3,
      membership: false,
      transfers: false,
    },
    'commit-previous-term': {
      raft: { ...harsh, maxSizePerMsg: 1, unsafeTestingBugs: { commitPreviousTermByCount: true } },
      nodes: 5,
      faultEvery: 3,
      membership: false,
      transfers: false,
    },
  };
  const extra = args.bug ? (bugRuns[args.bug] ?? {}) : {};
  const t0 = process.hrtime.bigint();
  const results: RunResult[] = [];
  for (let s = args.start; s < args.start + args.seeds; s++) {
    const r = runSeed({
      seed: s,
      ticks: args.ticks,
      ...extra,
      ...(args.nodes ? { nodes: args.nodes } : {}),
    });
    results.push(r);
    if (r.violation && (args.verbose || results.filter((x) => x.violation).length <= 3)) {
      console.error(`seed ${s}: ${r.violation}`);
    }
    if (!r.recovered && results.filter((x) => !x.recovered).length <= 20) {
      console.error(`seed ${s}: did not recover after healing (liveness)`);
    }
    if (args.verbose || (args.seeds >= 10000 && (s - args.start + 1) % 10000 === 0)) {
      console.error(`progress: ${s - args.start + 1}/${args.seeds} seeds`);
    }
  }
  const wallMs = Number((process.hrtime.bigint() - t0) / 1_000_000n);
  const summary = summarize(results);
  console.log(
    JSON.stringify({
      ...summary,
      ...(args.bug ? { bug: args.bug } : {}),
      start: args.start,
      wall_ms: wallMs,
    }),
  );
  return summary.violations === 0 ? 0 : 1;
}

process.exitCode = main();
