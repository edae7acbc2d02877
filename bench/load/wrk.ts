/**
 * Sustained load through wrk (Debian's `wrk` package), the generator that is not the bottleneck:
 * C, epoll, keep-alive connections. wrk.lua sets the method, headers and body from the
 * environment, and its done() prints wrk's histogram (and, when asked, every request as
 * measured) with each distinct latency and its count, so phases merge exactly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { add, type Histogram } from './histogram.ts';
import { emptyPhase, type PhaseResult } from './phase-result.ts';
import type { RequestSpec } from './request.ts';

const SCRIPT = join(import.meta.dirname, 'wrk.lua');

/** wrk's version line, or null when it is not installed. */
export function wrkVersion(): string | null {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) return null;
  const line = `${probe.stdout}${probe.stderr}`.split('\n')[0] ?? '';
  return line.startsWith('wrk ') ? line.replace(/ Copyright.*$/, '').trim() : null;
}

/** The request as wrk.lua reads it from the environment. */
export function wrkEnv(req: RequestSpec, measured: boolean): Record<string, string> {
  const headers = Object.entries(req.headers).map(([name, value]) => {
    if (/[:\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new Error(`header ${JSON.stringify(name)} not representable for wrk.lua`);
    }
    return `${name}: ${value}`;
  });
  return {
    BENCH_METHOD: req.method,
    BENCH_BODY: req.body ?? '',
    BENCH_HEADERS: headers.join('\n'),
    BENCH_MEASURED: measured ? '1' : '0',
  };
}

function parseHistogram(field: string | undefined, into: Histogram): void {
  if (field === undefined || field === '-') return;
  for (const pair of field.split(',')) {
    const [v, c] = pair.split(':');
    add(into, Number(v), Number(c));
  }
}

/**
 * Parses wrk.lua's line: `wrk-result <answers> <durationUs> <statusErrors> <socketErrors>
 * <latency> <measured>`. wrk counts an answer with a status over 399 among its answers (and in
 * its latencies) as well as a status error; socket errors and timeouts are not answers.
 */
export function parseWrkResult(stdout: string): PhaseResult {
  const line = stdout.split('\n').find((l) => l.startsWith('wrk-result '));
  if (line === undefined) throw new Error(`wrk printed no result: ${stdout.slice(0, 500)}`);
  const [, answers, durationUs, statusErrors, socketErrors, latency, measured] = line.split(' ');
  const out = emptyPhase();
  out.errors = Number(statusErrors) + Number(socketErrors);
  out.requests = Number(answers) - Number(statusErrors);
  out.seconds = Number(durationUs) / 1e6;
  parseHistogram(latency, out.latency);
  parseHistogram(measured, out.measured);
  return out;
}

export interface WrkRun {
  readonly request: RequestSpec;
  readonly connections: number;
  readonly seconds: number;
  readonly timeoutSeconds: number;
  /** Also time every request in wrk.lua: one wrk thread per connection instead of one thread. */
  readonly measured: boolean;
}

export async function runWrk(run: WrkRun): Promise<PhaseResult> {
  const args = [
    `-t${run.measured ? run.connections : 1}`,
    `-c${run.connections}`,
    `-d${Math.max(1, Math.round(run.seconds))}s`,
    '--timeout',
    `${run.timeoutSeconds}s`,
    '-s',
    SCRIPT,
    run.request.url,
  ];
  const child = spawn('wrk', args, {
    env: { ...process.env, ...wrkEnv(run.request, run.measured) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr.slice(0, 500)}`);
  return parseWrkResult(stdout);
}
