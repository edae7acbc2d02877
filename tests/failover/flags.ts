/**
 * Command-line flags of the failover soak and bench, validated up front with errors that name the
 * flag. Both take the same flags with their own defaults.
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from './round.ts';

export interface FailoverFlags {
  readonly faults: number;
  readonly lanes: number;
  readonly nodes: number;
  readonly heartbeatMs: number;
  /** null: the edge's default (30 s). */
  readonly streamStallMs: number | null;
  readonly tokenDelayMs: number;
  readonly kinds: readonly FaultKind[];
  readonly seed: number;
  readonly verbose: boolean;
  readonly help: boolean;
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new FlagError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

export function usage(command: string, defaults: FailoverFlags): string {
  return [
    `usage: ${command} [flags]`,
    `  --faults N           faults to inject in all (default ${defaults.faults})`,
    `  --kinds a,b,...      fault kinds: ${FAULT_KINDS.join(', ')} (default ${defaults.kinds.join(',')})`,
    `  --lanes N            lanes (a model and its nodes each) run side by side (default ${defaults.lanes})`,
    `  --nodes N            counting nodes per lane, ≥ 2 (default ${defaults.nodes})`,
    `  --heartbeat-ms N     the edge's HEARTBEAT_MS (default ${defaults.heartbeatMs})`,
    `  --stream-stall-ms N  the edge's STREAM_STALL_MS (default ${defaults.streamStallMs ?? "the edge's own, 30000"})`,
    `  --token-delay-ms N   time per token of the counting engine (default ${defaults.tokenDelayMs})`,
    `  --seed N             seed of the fault schedule (default: random, printed)`,
    `  --verbose            print every line of the edge and the nodes`,
  ].join('\n');
}

export function parseFailoverFlags(
  argv: readonly string[],
  defaults: FailoverFlags,
): FailoverFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        faults: { type: 'string' },
        kinds: { type: 'string' },
        lanes: { type: 'string' },
        nodes: { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'stream-stall-ms': { type: 'string' },
        'token-delay-ms': { type: 'string' },
        seed: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  const str = (name: string) => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  let kinds = defaults.kinds;
  const kindList = str('kinds');
  if (kindList !== undefined) {
    const names = kindList.split(',').map((k) => k.trim());
    const unknown = names.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0 || names.length === 0)
      throw new FlagError(
        `--kinds: unknown kind(s) ${unknown.map((k) => `'${k}'`).join(', ')}; known: ${FAULT_KINDS.join(', ')}`,
      );
    kinds = [...new Set(names)] as FaultKind[];
  }
  const stall = str('stream-stall-ms');
  return {
    faults: int('faults', str('faults'), defaults.faults, 1, 1_000_000),
    lanes: int('lanes', str('lanes'), defaults.lanes, 1, 32),
    nodes: int('nodes', str('nodes'), defaults.nodes, 2, 16),
    heartbeatMs: int('heartbeat-ms', str('heartbeat-ms'), defaults.heartbeatMs, 100, 600_000),
    streamStallMs:
      stall === undefined ? defaults.streamStallMs : int('stream-stall-ms', stall, 0, 100, 600_000),
    tokenDelayMs: int('token-delay-ms', str('token-delay-ms'), defaults.tokenDelayMs, 1, 10_000),
    kinds,
    seed: int('seed', str('seed'), defaults.seed, 0, 2 ** 32 - 1),
    verbose: values['verbose'] === true,
    help: values['help'] === true,
  };
}
