import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` to the child's process group, then SIGKILL after `graceMs` if it still runs. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<number | string>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Every stdout/stderr line, without its newline. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Spawns a child whose lines go to `onLine`, and whose stop escalates to SIGKILL. */
export function spawnChild(options: SpawnOptions): Child {
  // Each child leads its own process group: a terminal's Ctrl-C reaches only the runner, which
  // then stops children in order (nodes drain before the edge goes), and a signal reaches the
  // child's own children too (wrangler's workerd).
  const proc = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (proc.pid !== undefined) process.kill(-proc.pid, signal);
    } catch {
      // already gone
    }
  };
  // If the runner itself exits, take the children with it.
  const onExit = () => signalGroup('SIGKILL');
  process.once('exit', onExit);
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      process.off('exit', onExit);
      resolve(code ?? signal ?? 'unknown');
    });
    proc.once('error', (err) => resolve(`spawn failed: ${err.message}`));
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = proc[stream];
    if (!source) continue;
    createInterface({ input: source }).on('line', (line) => options.onLine?.(line, stream));
  }
  return {
    name: options.name,
    process: proc,
    exited,
    async stop(signal, graceMs) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      signalGroup(signal);
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
