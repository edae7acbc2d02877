import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.testing.ts';

const TOKEN = 'pxa_0123456789abcdefghijklmnopqrstuv';
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-edge-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/**
 * Runs `proxima edge serve` with a state dir of its own (and, unless the case sets one, a free
 * port): every case here must stop before workerd starts. `null`: no PROXIMA_ADMIN_TOKEN.
 */
function serve(args: readonly string[], token: string | null = TOKEN) {
  vi.stubEnv('PROXIMA_ADMIN_TOKEN', token ?? undefined);
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  return runCli(['edge', 'serve', '--state-dir', join(dir, 'state'), ...listen, ...args]);
}

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('proxima edge serve: every flag is checked before anything starts', () => {
  it.each([
    [['--listen', '127.0.0.1:70000'], 'the port must be from 0 to 65535'],
    [['--listen', '8787'], 'expected HOST:PORT'],
    [['--listen', 'http://127.0.0.1:8787'], 'expected HOST:PORT'],
    [['--var', 'NO_EQUALS'], 'expected NAME=VALUE'],
    [['--var', 'bad-name=1'], "'bad-name' is not a binding name"],
    [['--bogus'], "unknown option '--bogus'"],
  ])('%j: %s', async (args, message) => {
    const run = await serve(args);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
  });

  it('refuses to start without an admin token', async () => {
    const run = await serve([], null);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no admin token: set PROXIMA_ADMIN_TOKEN/);
  });

  it('refuses an admin token the edge would ignore', async () => {
    const run = await serve([], 'too-short');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/has 9 characters; the edge needs at least 32/);
  });

  it('refuses a state dir it cannot write', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, '');
    vi.stubEnv('PROXIMA_ADMIN_TOKEN', TOKEN);
    const run = await runCli(['edge', 'serve', '--state-dir', join(file, 'state')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--state-dir .*not-a-dir\/state: cannot create or write it/);
  });

  it('refuses a port that is taken', async () => {
    const server = await listening();
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const run = await serve(['--listen', `127.0.0.1:${port}`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--listen 127.0.0.1:${port}: the port is in use`);
    } finally {
      server.close();
    }
  });

  it('refuses ADMIN_TOKEN, or a Durable Object binding, as a --var', async () => {
    const secret = await serve(['--var', `ADMIN_TOKEN=${TOKEN}`]);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('--var ADMIN_TOKEN: ADMIN_TOKEN is a secret here');
    const binding = await serve(['--var', 'NODE_SESSION=x']);
    expect(binding.code).toBe(2);
    expect(binding.stderr).toContain('--var NODE_SESSION: that is a Durable Object binding');
  });

  it('refuses a --workerd that is not an executable', async () => {
    const run = await serve(['--workerd', join(dir, 'no-such-workerd')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--workerd .*no-such-workerd: .* is not an executable file/);
  });

  it('refuses a secrets file it cannot read', async () => {
    const run = await serve(['--secrets-file', join(dir, 'missing.env')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--secrets-file .*missing\.env: cannot read it \(ENOENT\)/);
  });
});
