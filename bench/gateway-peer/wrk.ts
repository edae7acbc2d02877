/**
 * Sustained load through wrk (Debian's `wrk` package), the generator that is not the bottleneck:
 * C, epoll, one thread, keep-alive connections. A Lua script sets the method, headers and body,
 * and its done() prints every distinct latency with its count, so phases merge exactly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { add } from './histogram.ts';
import { emptyPhase, type PhaseResult, type RequestSpec } from './phase-result.ts';

/** wrk's version line, or null when it is not installed. */
export function wrkVersion(): string | null {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) return null;
  const line = `${probe.stdout}${probe.stderr}`.split('\n')[0] ?? '';
  return line.startsWith('wrk ') ? line.replace(/ Copyright.*$/, '').trim() : null;
}

/** A Lua long string; none of our headers or bodies contain its closing bracket. */
function luaString(value: string): string {
  if (value.includes(']==]')) throw new Error('value not representable in the wrk script');
  return `[==[${value}]==]`;
}

export function wrkScript(req: RequestSpec): string {
  const lines = [`wrk.method = ${luaString(req.method)}`];
  if (req.body !== undefined) lines.push(`wrk.body = ${luaString(req.body)}`);
  for (const [name, value] of Object.entries(req.headers)) {
    lines.push(`wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`);
  }
  lines.push(
    'function done(summary, latency, requests)',
    '  local pairs = {}',
    '  for i = 1, #latency do',
    '    local value, count = latency(i)',
    '    pairs[#pairs + 1] = string.format("%d:%d", value, count)',
    '  end',
    '  local e = summary.errors',
    '  io.write(string.format(',
    '    "wrk-result %d %d %d %d %s\\n",',
    '    summary.requests, summary.duration, e.status,',
    '    e.connect + e.read + e.write + e.timeout,',
    '    table.concat(pairs, ",")))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Parses the script's line: `wrk-result <answers> <durationUs> <statusErrors> <socketErrors>
 * <v:c,v:c,...>`. wrk counts an answer with a status over 399 among its answers (and in its
 * latencies) as well as a status error; socket errors and timeouts are not answers.
 */
export function parseWrkResult(stdout: string): PhaseResult {
  const line = stdout.split('\n').find((l) => l.startsWith('wrk-result '));
  if (line === undefined) throw new Error(`wrk printed no result: ${stdout.slice(0, 500)}`);
  const [, answers, durationUs, statusErrors, socketErrors, histogram = ''] = line.split(' ');
  const out = emptyPhase();
  out.errors = Number(statusErrors) + Number(socketErrors);
  out.requests = Number(answers) - Number(statusErrors);
  out.seconds = Number(durationUs) / 1e6;
  for (const pair of histogram.split(',')) {
    if (pair === '') continue;
    const [v, c] = pair.split(':');
    add(out.latency, Number(v), Number(c));
  }
  return out;
}

export interface WrkRun {
  readonly request: RequestSpec;
  readonly connections: number;
  readonly seconds: number;
  readonly timeoutSeconds: number;
}

export async function runWrk(run: WrkRun): Promise<PhaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'proxima-wrk-'));
  try {
    const script = join(dir, 'request.lua');
    await writeFile(script, wrkScript(run.request));
    const args = [
      '-t1',
      `-c${run.connections}`,
      `-d${Math.max(1, Math.round(run.seconds))}s`,
      `--timeout`,
      `${run.timeoutSeconds}s`,
      '-s',
      script,
      run.request.url,
    ];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr.slice(0, 500)}`);
    return parseWrkResult(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
