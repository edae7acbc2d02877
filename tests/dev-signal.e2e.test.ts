import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from './fleet.ts';

const PROXIMA_BIN = join(import.meta.dirname, '..', 'local-node', 'bin', 'proxima.ts');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Node log events the runner printed with --verbose (`[dev-node-1] {...}`). */
function nodeEvents(lines: readonly string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    const match = /^\[dev-node-1\] (\{.*\})$/.exec(line);
    if (match?.[1]) out.push(JSON.parse(match[1]) as Record<string, unknown>);
  }
  return out;
}

describe('Ctrl-C on the dev runner (proxima dev, as npm start runs it)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('drains the nodes, lets the job in flight finish, then stops the edge and exits 0', async () => {
    const state = await mkdtemp(join(tmpdir(), 'proxima-dev-signal-'));
    dirs.push(state);
    const port = await freePort();
    // Its own process group, signalled as a whole: what a terminal does on Ctrl-C.
    const runner = spawn(
      process.execPath,
      [PROXIMA_BIN, 'dev', '--state', state, '--port', String(port), '--verbose'],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const exited = new Promise<number | string>((resolve) =>
      runner.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
    const lines: string[] = [];
    for (const stream of [runner.stdout, runner.stderr])
      createInterface({ input: stream }).on('line', (line) => lines.push(line));
    try {
      await eventually(() => lines.find((l) => l.includes('Ctrl-C stops everything')), 90_000);
      const info = JSON.parse(await readFile(join(state, 'dev.json'), 'utf8')) as {
        url: string;
        apiKey: string;
      };
      const answer = fetch(`${info.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'proxima-demo',
          messages: [{ role: 'user', content: 'Count.' }],
          max_tokens: 300,
        }),
      });
      await eventually(() => nodeEvents(lines).find((e) => e['event'] === 'job.started'));
      process.kill(-(runner.pid ?? 0), 'SIGINT');

      // The job in flight finished and its client got the whole answer.
      const res = await answer;
      expect(res.status).toBe(200);
      const body = (await res.json()) as { usage: { completion_tokens: number } };
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
      expect(await exited).toBe(0);
      const events = nodeEvents(lines).map((e) => e['event']);
      expect(events).toContain('node.draining');
      const order = ['node.signal', 'job.done', 'node.stopped'].map((e) => events.indexOf(e));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(lines).toContain('Stopped.');
    } finally {
      if (runner.exitCode === null && runner.signalCode === null) {
        process.kill(-(runner.pid ?? 0), 'SIGKILL');
      }
    }
  }, 150_000);
});
