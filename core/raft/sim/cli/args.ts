// Flag parsing for the simulator CLI, kept pure so it can be tested.

export const BUGS = ['follower-local-reads', 'vote-not-persisted', 'commit-previous-term'] as const;
export type BugName = (typeof BUGS)[number];

export interface SimArgs {
  readonly bug: BugName | null;
  readonly seeds: number;
  readonly start: number;
  readonly nodes: 3 | 5 | null;
  readonly ticks: number;
  readonly verbose: boolean;
}

export class UsageError extends Error {}

export const USAGE =
  'usage: npm run sim -- --seeds N [--start S] [--nodes 3|5] [--ticks T] [--verbose]';

function positiveInt(flag: string, v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(
      `${flag} needs a positive integer, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    );
  }
  return Number(v);
}

export function parseSimArgs(argv: readonly string[]): SimArgs {
  let seeds: number | null = null;
  let start = 1;
  let nodes: 3 | 5 | null = null;
  let ticks = 300;
  let verbose = false;
  let bug: BugName | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes('=') ? (a.split('=', 2) as [string, string]) : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seeds':
        seeds = positiveInt('--seeds', value());
        break;
      case '--start':
        start = positiveInt('--start', value());
        break;
      case '--nodes': {
        const n = positiveInt('--nodes', value());
        if (n !== 3 && n !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${n}`);
        nodes = n;
        break;
      }
      case '--ticks':
        ticks = positiveInt('--ticks', value());
        break;
      case '--bug': {
        const b = value();
        const found = BUGS.find((x) => x === b);
        if (!found)
          throw new UsageError(`--bug must be one of ${BUGS.join(', ')}, got ${JSON.stringify(b)}`);
        bug = found;
        break;
      }
      case '--verbose':
        verbose = true;
        break;
      default:
        throw new UsageError(`unknown flag ${JSON.stringify(a)}`);
    }
  }
  if (seeds === null) throw new UsageError('--seeds is required');
  return { seeds, start, nodes, ticks, verbose, bug };
}
