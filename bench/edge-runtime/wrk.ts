import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'latency.lua');

/** One wrk run's figures (latency.lua prints them as JSON); milliseconds. */
export interface WrkResult {
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  /** wrk's histogram, corrected for coordinated omission. */
  readonly wrk_p50_ms: number;
  readonly wrk_p99_ms: number;
  readonly max_ms: number;
  /** Every request as measured. */
  readonly raw_p50_ms: number;
  readonly raw_p99_ms: number;
  readonly raw_p999_ms: number;
  /** Requests that took longer than 50 ms: how many stalls there were. */
  readonly over_50ms: number;
}

export interface WrkRequest {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly authorization?: string;
}

export function assertWrkInstalled(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk --version exits 1 after printing; only a missing binary is a problem.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('bench/edge-runtime needs wrk on the PATH (Debian: apt-get install wrk).');
    }
  }
}

/** Sustained, closed-loop load: `connections` keep-alive connections, one wrk thread each. */
export async function wrk(request: WrkRequest): Promise<WrkResult> {
  const { stdout } = await run(
    'wrk',
    [
      `-t${request.connections}`,
      `-c${request.connections}`,
      `-d${request.seconds}s`,
      '--timeout',
      '10s',
      '-s',
      SCRIPT,
      request.url,
    ],
    {
      env: {
        ...process.env,
        BENCH_METHOD: request.method ?? 'GET',
        ...(request.body === undefined ? {} : { BENCH_BODY: request.body }),
        ...(request.authorization === undefined ? {} : { BENCH_AUTH: request.authorization }),
      },
      maxBuffer: 1 << 20,
    },
  );
  const json = stdout.split('\n').find((line) => line.startsWith('{"requests"'));
  if (json === undefined) throw new Error(`wrk printed no result:\n${stdout}`);
  return JSON.parse(json) as WrkResult;
}
