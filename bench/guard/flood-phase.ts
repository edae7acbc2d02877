import { join } from 'node:path';
import { spawnChild, type Child } from '../../local-node/src/dev/child.ts';
import type { FloodResult } from './flood.ts';

const FLOOD = join(import.meta.dirname, 'flood.ts');

export interface FloodOptions {
  readonly url: string;
  readonly durationMs: number;
  readonly maxRequests: number;
  readonly concurrency: number;
  /** `bad-key` (default) or `plain`: GET /healthz, the reference. */
  readonly mode?: 'bad-key' | 'plain';
}

export interface RunningFlood {
  readonly child: Child;
  /** Resolves once the flood process is sending. */
  readonly started: Promise<void>;
  /** Resolves with the flood's own count when it has finished. */
  readonly result: Promise<FloodResult>;
}

/** Starts bench/guard/flood.ts in its own process; it stops by itself after `durationMs`. */
export function startFlood(options: FloodOptions): RunningFlood {
  let onStarted: () => void = () => undefined;
  let onResult: (r: FloodResult) => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const finished = new Promise<FloodResult>((resolve) => (onResult = resolve));
  const stderr: string[] = [];
  const child = spawnChild({
    name: 'flood',
    command: process.execPath,
    args: [
      FLOOD,
      options.url,
      String(options.durationMs),
      String(options.maxRequests),
      String(options.concurrency),
      options.mode ?? 'bad-key',
    ],
    onLine: (line, stream) => {
      if (stream === 'stderr') stderr.push(line);
      else if (line === 'flooding') onStarted();
      else if (line.startsWith('result ')) onResult(JSON.parse(line.slice(7)) as FloodResult);
    },
  });
  const failed = child.exited.then(async (code) => {
    // A clean exit may still be delivering its last line: give readline a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    throw new Error(`flood exited (${code}) without a result: ${stderr.slice(-5).join(' | ')}`);
  });
  failed.catch(() => undefined);
  return {
    child,
    started: Promise.race([started, failed]),
    result: Promise.race([finished, failed]),
  };
}
