import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAdminEnv, useStandInEdge } from '../cli/admin/stand-in-edge.testing.ts';
import { runCli } from '../cli/run-cli.testing.ts';

/**
 * `proxima report`'s flags and errors, and an OLDER edge (a stand-in answering only the usage
 * routes): the parts it lacks are marked missing in the page. report-command.edge.test.ts runs
 * the command against the real edge.
 */

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-report-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

useAdminEnv();

describe('proxima report flags', () => {
  it.each([
    ['7x', 'expected a duration such as 30m, 24h or 7d.'],
    ['-1d', 'expected a duration such as 30m, 24h or 7d.'],
    ['0m', 'the range is empty; give at least 1m.'],
    ['401d', 'the range is longer than 400 days.'],
  ])('refuses --since %j as the edge would, naming the flag', async (since, why) => {
    const run = await runCli([
      'report',
      '--html',
      join(dir, 'never.html'),
      '--since',
      since,
      '--edge',
      'http://127.0.0.1:9',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(`error: Invalid --since: ${why}`);
    await expect(stat(join(dir, 'never.html'))).rejects.toThrow(/ENOENT/);
  });

  it('requires --html', async () => {
    const run = await runCli(['report', '--edge', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("required option '--html <file>' not specified");
  });

  it('says so in one line when the edge cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await runCli([
      'report',
      '--html',
      join(dir, 'never.html'),
      '--edge',
      `http://127.0.0.1:${port}`,
    ]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(
      new RegExp(`^proxima: could not reach http://127\\.0\\.0\\.1:${port}/admin/usage\\?.*\\n$`),
    );
  });
});

describe('proxima report against an older edge', () => {
  const edge = useStandInEdge();

  it('writes the page with the parts the edge lacks marked missing', async () => {
    const usage = {
      from: '2025-01-24T12:00:00.000Z',
      to: '2025-01-31T12:00:00.000Z',
      groupBy: [],
      rows: [
        {
          tenant: 'acme',
          requests: 42,
          promptTokens: 10,
          completionTokens: 5,
          cacheHits: 0,
          errors: 0,
          latencyMsSum: 420,
          latencyMsMax: 30,
        },
      ],
    };
    edge.reply('GET /admin/usage', 200, usage);
    edge.reply('GET /admin/nodes', 200, { nodes: [] });
    const file = join(dir, 'older.html');
    const run = await runCli(['report', '--html', file, '--since', '24h']);
    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(run.stdout).toBe(
      `Wrote ${file} (${(Buffer.byteLength(html) / 1024).toFixed(1)} KiB).\n`,
    );

    const usageCalls = edge.requests.filter((r) => r.path === '/admin/usage');
    expect(usageCalls.map((r) => r.query.group_by ?? '').sort()).toEqual([
      '',
      'hour',
      'model,backend',
    ]);
    const range = usageCalls.map((r) => Number(r.query.to) - Number(r.query.from));
    expect(new Set(range)).toEqual(new Set([24 * 3_600_000]));
    expect(edge.requests.find((r) => r.path === '/admin/audit')?.query).toEqual({ limit: '200' });

    expect(html).toContain('<th scope="row">acme</th><td class="n">42</td>');
    expect(html).toContain('Latency percentiles: missing from this report.');
    expect(html).toContain('Registry (Raft): missing from this report.');
    expect(html).toContain(
      'Could not be read, so their incidents are not listed: alerts, audit log.',
    );
    expect(html).toContain('No node has connected yet.');
  });

  it("fails as a whole, with the edge's message, when the usage itself fails", async () => {
    const run = await runCli([
      'report',
      '--html',
      join(dir, 'never.html'),
      '--admin-token',
      'y'.repeat(40),
    ]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('proxima: 401 Missing or wrong admin token.\n');
  });

  it('says why when the file cannot be written', async () => {
    edge.reply('GET /admin/usage', 200, { from: '', to: '', groupBy: [], rows: [] });
    const file = join(dir, 'no-such-dir', 'report.html');
    const run = await runCli(['report', '--html', file]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(
      `proxima: cannot write the report to ${file}: its directory does not exist (ENOENT)\n`,
    );
  });
});
