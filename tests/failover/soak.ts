/**
 * soak:failover — the failover e2e test's harness, as long as you like:
 *
 *   npm run soak:failover -- --faults 1000
 *
 * Progress goes to stderr, a line per round; the last stdout line is the summary JSON
 * (report.ts). Exits 1 when an invariant broke (a repeated or lost token, a silent truncation, a
 * hang, two ids) or a request failed while a backend was alive; 2 on bad flags.
 */
import { FlagError, parseFailoverFlags, usage, type FailoverFlags } from './flags.ts';
import { runFailover, type HarnessOptions } from './harness.ts';
import { misses, summarize } from './report.ts';
import { harnessOptions, TEST_DEFAULTS } from './settings.ts';

const DEFAULTS: FailoverFlags = {
  ...TEST_DEFAULTS,
  faults: 1000,
  seed: Math.floor(Math.random() * 2 ** 32),
};

async function main(): Promise<number> {
  let flags: FailoverFlags;
  let options: HarnessOptions;
  try {
    flags = parseFailoverFlags(process.argv.slice(2), DEFAULTS);
    if (flags.help) {
      process.stdout.write(`${usage('npm run soak:failover --', DEFAULTS)}\n`);
      return 0;
    }
    options = harnessOptions(flags);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(
      `soak:failover: ${err.message}\n${usage('npm run soak:failover --', DEFAULTS)}\n`,
    );
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`soak:failover: ${flags.faults} faults, seed ${flags.seed}`);
  const result = await runFailover({
    ...options,
    progress: log,
    ...(flags.verbose ? { verbose: log } : {}),
  });
  const summary = summarize(result);
  for (const p of summary.first_problems) log(`BROKEN ${JSON.stringify(p)}`);
  for (const m of misses(result)) log(`MISS ${JSON.stringify(m)}`);
  process.stdout.write(`${JSON.stringify({ seed: flags.seed, ...summary })}\n`);
  return summary.broken === 0 && summary.success_rate === 1 && summary.stranded_nodes === 0 ? 0 : 1;
}

process.exitCode = await main();
