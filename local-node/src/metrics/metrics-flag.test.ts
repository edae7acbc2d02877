// `proxima node --metrics HOST:PORT`: the flag's errors, and a real `proxima node` process on the
// demo model serving the stand-in edge, scraped while it runs and gone after SIGTERM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, NODE_PROTOCOL_VERSION } from '@proxima/core/protocol';
import { NODE_METRICS } from '@proxima/core/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeEdge } from '../agent/edge-stand-in.testing.ts';
import { runCli } from '../cli/run-cli.testing.ts';
import { spawnChild } from '../dev/child.ts';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { bucketsOf, scrape, valueOf } from './scrape.testing.ts';

const PROXIMA_BIN = fileURLToPath(new URL('../../bin/proxima.ts', import.meta.url));
const TOKEN = 'pxn_metrics_flag_token_0123456789';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('--metrics flag errors', () => {
  it.each([
    ['127.0.0.1', 'no port; expected HOST:PORT, e.g. 127.0.0.1:9464'],
    ['127.0.0.1:99999', 'the port must be a number from 0 to 65535'],
    ['127.0.0.1:x', 'the port must be a number'],
    [':9464', 'no host'],
    ['::1:9464', 'an IPv6 address goes in brackets'],
    ['[127.0.0.1]:9464', 'is not an IPv6 address'],
    ['bad host!:9464', 'is neither an IP address nor a host name'],
  ])('--metrics %j fails before any model loads, naming the flag', async (value, why) => {
    vi.stubEnv('PROXIMA_NODE_TOKEN', TOKEN);
    // The model file does not exist: reaching the engines would fail differently (exit 1).
    const run = await runCli([
      'node',
      '--edge',
      'http://x',
      '--model',
      'none.gguf',
      '--metrics',
      value,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"event":"node.config"');
    expect(run.stderr).toContain(`--metrics ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}`);
    expect(run.stderr).toContain(why);
  });

  it('the help says what the flag serves and that it has no auth', async () => {
    const run = await runCli(['node', '--help']);
    expect(run.stdout).toMatch(/--metrics <host:port>\s+serve Prometheus metrics at/);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('no auth');
  });
});

describe('proxima node --metrics', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  it('serves /metrics while it runs a job for the edge, and closes it on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'proxima-metrics-flag-'));
    const model = await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 });
    const edge = await fakeEdge();
    const lines: string[] = [];
    let listening: (url: string) => void = () => undefined;
    const metricsUrl = new Promise<string>((resolve) => (listening = resolve));
    const child = spawnChild({
      name: 'node',
      command: process.execPath,
      args: [
        PROXIMA_BIN,
        'node',
        '--edge',
        edge.url,
        '--model',
        model.path,
        '--node-id',
        'metrics-cli',
        '--metrics',
        '127.0.0.1:0',
      ],
      env: { PROXIMA_NODE_TOKEN: TOKEN },
      onLine: (line) => {
        lines.push(line);
        if (line.includes('"event":"metrics.listening"'))
          listening((JSON.parse(line) as { url: string }).url);
      },
    });
    try {
      const url = await Promise.race([
        metricsUrl,
        child.exited.then((code) => {
          throw new Error(`proxima node exited (${code}):\n${lines.join('\n')}`);
        }),
      ]);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

      const ws = await edge.socket;
      const hello = await edge.next('hello');
      const served = hello.type === 'hello' ? hello.models[0]?.id : undefined;
      if (served === undefined) throw new Error('the node announced no model');
      ws.send(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs: 60_000 }));
      ws.send(
        encode({
          type: 'job',
          jobId: 'cli-job',
          request: {
            model: served,
            messages: [{ role: 'user', content: 'Go on.' }],
            maxTokens: 4,
            temperature: 1,
            topP: 1,
            stop: [],
            seed: 1,
          },
        }),
      );
      const done = await edge.next('done');
      const completion = done.type === 'done' ? done.usage.completionTokens : -1;

      const s = await scrape(url);
      const m = NODE_METRICS;
      expect(valueOf(s, m.jobs.name, { model: served, kind: 'generate', outcome: 'ok' })).toBe(1);
      expect(valueOf(s, m.tokens.name, { model: served, direction: 'completion' })).toBe(
        completion,
      );
      expect(valueOf(s, m.tokens.name, { model: served, direction: 'prompt' })).toBeGreaterThan(0);
      expect(bucketsOf(s, m.jobDuration.name)?.['+Inf']).toBe(1);
      expect(valueOf(s, m.edgeConnected.name)).toBe(1);
      expect(valueOf(s, m.slots.name)).toBe(1);
      expect(valueOf(s, 'process_resident_memory_bytes')).toBeGreaterThan(0);

      expect(await child.stop('SIGTERM', 30_000)).toBe(0);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      await child.stop('SIGKILL', 1000);
      edge.server.close();
    }
  }, 120_000);
});
