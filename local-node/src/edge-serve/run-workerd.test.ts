import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkerd } from './run-workerd.ts';

let dir = '';

/**
 * A stand-in for workerd: reports a port on the control fd, then sleeps (exec, so no child outlives
 * it). `ignores-term`: it keeps running after SIGTERM, as workerd does while requests are in flight.
 */
async function fakeWorkerd(name: string, behaviour: 'drains' | 'ignores-term' | 'exits-3') {
  const path = join(dir, name);
  await writeFile(
    path,
    [
      '#!/bin/bash',
      '[ "$1" = serve ] && [ "$2" = --control-fd=3 ] || exit 9',
      'echo "secret=$PROXIMA_EDGE_SECRET_ADMIN_TOKEN" > "$3.env"',
      'echo \'{"event":"listen","socket":"http","port":4321}\' >&3',
      behaviour === 'exits-3' ? 'exit 3' : '',
      behaviour === 'ignores-term' ? "trap '' TERM" : '',
      'exec sleep 30',
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return path;
}

function run(binary: string, drainTimeoutMs = 5000) {
  const messages: string[] = [];
  let listening = 0;
  const done = runWorkerd({
    binary,
    configFile: join(dir, `${binary.split('/').at(-1) ?? 'x'}.capnp`),
    env: { PROXIMA_EDGE_SECRET_ADMIN_TOKEN: 'from-env' },
    drainTimeoutMs,
    onListening: (port) => (listening = port),
    onMessage: (line) => messages.push(line),
  });
  return { done, messages, listening: () => listening };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-run-workerd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runWorkerd', () => {
  it('reports the port from the control fd, passes secrets in the environment, and exits 0 on a stop', async () => {
    const binary = await fakeWorkerd('drains', 'drains');
    const r = run(binary);
    await until(() => r.listening() === 4321);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await r.done).toBe(0);
    expect(r.messages.join('\n')).toMatch(/SIGTERM: stopping workerd[\s\S]*workerd stopped\./);
    expect(await readFile(join(dir, 'drains.capnp.env'), 'utf8')).toBe('secret=from-env\n');
  });

  it('stops a workerd still draining after the drain timeout, and still exits 0', async () => {
    const binary = await fakeWorkerd('never-drains', 'ignores-term');
    const r = run(binary, 300);
    await until(() => r.listening() === 4321);
    process.emit('SIGINT', 'SIGINT');
    expect(await r.done).toBe(0);
    expect(r.messages.join('\n')).toContain('still draining after 0.3 s');
  });

  it('exits non-zero when workerd exits on its own', async () => {
    const binary = await fakeWorkerd('crashes', 'exits-3');
    const r = run(binary);
    expect(await r.done).toBe(3);
    expect(r.messages.join('\n')).toContain('workerd exited on its own (code 3)');
  });

  it('exits non-zero when workerd cannot be started', async () => {
    const r = run(join(dir, 'missing'));
    expect(await r.done).toBe(1);
    expect(r.messages.join('\n')).toContain('cannot start workerd');
  });
});
