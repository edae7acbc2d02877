// `npm run sim -- --seeds N`: runs N seeded fault schedules and ends with one JSON summary line.
import { runSeed, summarize } from '../run.ts';
import type { RunResult } from '../run.ts';
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
  const t0 = process.hrtime.bigint();
  const results: RunResult[] = [];
  for (let s = args.start; s < args.start + args.seeds; s++) {
    const r = runSeed({ seed: s, ticks: args.ticks, ...(args.nodes ? { nodes: args.nodes } : {}) });
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
  console.log(JSON.stringify({ ...summary, start: args.start, wall_ms: wallMs }));
  return summary.violations === 0 ? 0 : 1;
}

process.exitCode = main();
