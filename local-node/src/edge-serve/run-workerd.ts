import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

export interface RunWorkerdOptions {
  readonly binary: string;
  readonly configFile: string;
  /** Added to this process's environment: the secrets' `fromEnvironment` variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Called once with the port of the config's socket, when workerd listens. */
  readonly onListening: (port: number) => void;
  readonly onMessage: (line: string) => void;
  /** How long workerd may drain after SIGTERM before SIGKILL. */
  readonly drainTimeoutMs: number;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A second signal within this long is the same stop, echoed (as `proxima dev` treats it). */
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * Runs workerd in the foreground until it exits or this process gets SIGINT/SIGTERM/SIGHUP.
 *
 * A stop is SIGTERM for workerd (it ignores SIGINT): it stops accepting connections, closes idle
 * ones and exits once the requests in flight have ended. A connected node's WebSocket is such a
 * request and never ends by itself, so after `drainTimeoutMs` (or at a second signal) workerd is
 * killed. That loses nothing acknowledged: each Durable Object write is a committed SQLite
 * transaction, and workerd skips its own clean-up on exit anyway. workerd runs in its own process
 * group, so a terminal's Ctrl-C reaches only this process, and it is killed if this process exits
 * first. Its stdout and stderr are this process's: the Worker's own logs, nothing added per
 * request. Resolves with the exit code to return: 0 after a stop we asked for.
 */
export async function runWorkerd(options: RunWorkerdOptions): Promise<number> {
  const child = spawn(options.binary, ['serve', '--control-fd=3', options.configFile], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const control = child.stdio[3] as Readable | null;
  if (control) {
    createInterface({ input: control }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { event?: string; port?: number };
        if (message.event === 'listen' && typeof message.port === 'number') {
          options.onListening(message.port);
        }
      } catch {
        // not a control message we know
      }
    });
  }

  let stopRequested = 0;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // `npm start`-style runners forward the terminal's Ctrl-C, so the first one may come twice.
    if (stopRequested > 0 && Date.now() - stopRequested < DUPLICATE_SIGNAL_MS) return;
    if (stopRequested > 0) {
      options.onMessage(`${signal} again: stopping workerd now.`);
      child.kill('SIGKILL');
      return;
    }
    stopRequested = Date.now();
    const seconds = options.drainTimeoutMs / 1000;
    options.onMessage(
      `${signal}: stopping workerd; requests in flight get ${seconds} s to end (another signal stops it now).`,
    );
    child.kill('SIGTERM');
    killTimer = setTimeout(() => {
      options.onMessage(
        `still draining after ${seconds} s (a connected node's WebSocket counts as a request in flight): stopping workerd now.`,
      );
      child.kill('SIGKILL');
    }, options.drainTimeoutMs);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  try {
    const outcome = await Promise.race([exited, spawnError]);
    if (outcome instanceof Error) {
      options.onMessage(`cannot start workerd (${options.binary}): ${outcome.message}`);
      return 1;
    }
    if (stopRequested > 0) {
      options.onMessage('workerd stopped.');
      return outcome.code === null || outcome.code === 0 ? 0 : outcome.code;
    }
    options.onMessage(
      `workerd exited on its own (${outcome.signal ?? `code ${outcome.code ?? 'unknown'}`}).`,
    );
    return outcome.code === 0 || outcome.code === null ? 1 : outcome.code;
  } finally {
    clearTimeout(killTimer);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    process.off('exit', killOnExit);
  }
}
