import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeAgent } from '../agent/agent.ts';
import { silentLogger } from '../agent/log.ts';
import { useRealEdge } from '../cli/admin/real-edge.testing.ts';
import { runCli, type CliRun } from '../cli/run-cli.testing.ts';
import { createLlamaEngine, type LlamaEngine } from '../engine/llama-engine.ts';
import { writeDemoModel } from '../model/demo-gguf.ts';

/**
 * `proxima report --html` against the REAL edge in local workerd (Miniflare), with a real node
 * agent serving the demo model (random weights, written here) on llama.cpp: three chats go
 * through the edge, then the report must show them.
 */

const ADMIN_TOKEN = 'edge-admin-token-for-the-report-cli-test-0';
const TENANT = 'report-test';
const CHATS = 3;

let dir = '';
let engine: LlamaEngine | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-report-e2e-'));
  const model = await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 });
  engine = await createLlamaEngine({
    modelPath: model.path,
    gpu: 'auto',
    contextSize: 256,
    slots: 1,
  });
}, 30_000);
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `argv` until `ready` holds for its answer (or 15 s pass); returns the last answer. */
async function until(
  argv: string[],
  ready: (run: CliRun) => boolean | Promise<boolean>,
): Promise<CliRun> {
  let last: CliRun = { code: -1, stdout: '', stderr: '' };
  for (let i = 0; i < 75; i++) {
    last = await runCli(argv);
    if (await ready(last)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

describe('proxima report against the real edge in workerd', () => {
  const realEdge = useRealEdge('proxima-report-cli-', ADMIN_TOKEN, {
    bindings: { RAFT_TICK_MS: '50' },
  });
  let agent: NodeAgent | undefined;

  // Registered after useRealEdge, so it runs first: the agent stops before the edge does.
  afterAll(() => {
    agent?.stop();
  });

  it("writes one self-contained page with the tenant's requests, charts, latency and the node", async () => {
    const edge = realEdge.useFromCli();
    if (!engine) throw new Error('the engine did not start');

    const created = await runCli([
      'admin',
      'node-tokens',
      'create',
      '--node-id',
      'gpu-r',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    agent = new NodeAgent({
      edgeUrl: edge.url,
      token: (JSON.parse(created.stdout) as { token: string }).token,
      nodeId: 'gpu-r',
      engine,
      engineName: 'llama.cpp',
      slots: 1,
      log: silentLogger,
    });
    void agent.run().catch(() => undefined);
    const key = await runCli(['admin', 'keys', 'create', '--tenant', TENANT, '--json']);
    expect(key.code, key.stderr).toBe(0);
    const apiKey = (JSON.parse(key.stdout) as { key: string }).key;

    const connected = await until(['admin', 'nodes', '--json'], (r) =>
      r.stdout.includes('"gpu-r"'),
    );
    expect(connected.stdout).toContain('"gpu-r"');
    for (let i = 0; i < CHATS; i++) {
      const res = await fetch(`${edge.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'proxima-demo',
          messages: [{ role: 'user', content: `hello ${i}` }],
          max_tokens: 4,
        }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      await res.json();
    }

    // Usage is settled after the answer, and the metrics reach their hub about once a second.
    const file = join(dir, 'fleet report.html');
    let html = '';
    const run = await until(['report', '--html', file, '--since', '2h'], async (r) => {
      if (r.code !== 0) return false;
      html = await readFile(file, 'utf8');
      return (
        html.includes(`<th scope="row">${TENANT}</th><td class="n">${CHATS}</td>`) &&
        html.includes('<th scope="row">chat</th>')
      );
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^Wrote ${file.replace(/[.\\]/g, '\\$&')} \\(\\d+\\.\\d KiB\\)\\.\\n$`),
    );

    expect(html).toContain(`<th scope="row">${TENANT}</th><td class="n">${CHATS}</td>`);
    expect(html).toContain('<th scope="row">proxima-demo</th>');
    expect(html).toContain('<th scope="row">node:gpu-r</th>');
    expect(html).toContain('<th scope="row">gpu-r</th><td class="state-ready">ready</td>');
    expect(html).toMatch(/<th scope="row">chat<\/th><td class="n">[1-9]/);
    expect(html).toContain('<svg class="chart" role="img"');
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toContain('missing from this report');
    // No URL but the edge's own, which the page shows as text.
    const urls = new Set([...html.matchAll(/https?:\/\/[^\s"'<>&]*/g)].map((m) => m[0]));
    expect(urls).toEqual(new Set([edge.url]));

    const wrong = await runCli(['report', '--html', file, '--admin-token', 'x'.repeat(40)]);
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toBe('proxima: 401 Missing or wrong admin token.\n');
    expect(await readFile(file, 'utf8')).toBe(html);
  }, 30_000);
});
