import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockStateDir, prepareStateDir } from './state-dir.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-edge-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareStateDir', () => {
  it('creates the storage and workerd directories, storage private to this user', async () => {
    const layout = await prepareStateDir(join(dir, 'a', 'b'));
    expect(layout.storage).toBe(join(dir, 'a', 'b', 'do'));
    expect((await stat(layout.storage)).mode & 0o777).toBe(0o700);
    expect((await stat(layout.workerd)).isDirectory()).toBe(true);
  });

  it('says which flag is wrong when the directory cannot be made', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    await expect(prepareStateDir(join(file, 'state'))).rejects.toThrow(
      /--state-dir .*a-file\/state: cannot create or write it \(ENOTDIR\)/,
    );
  });
});

describe('lockStateDir', () => {
  it('lets one process own a state directory, and frees it on release', async () => {
    const layout = await prepareStateDir(join(dir, 'locked'));
    const release = await lockStateDir(layout);
    expect(await readFile(layout.lock, 'utf8')).toBe(`${process.pid}\n`);
    await release();
    await (
      await lockStateDir(layout)
    )();
  });

  it('refuses a directory that a live process holds', async () => {
    const layout = await prepareStateDir(join(dir, 'held'));
    const holder = spawn('sleep', ['30']);
    try {
      await writeFile(layout.lock, `${holder.pid}\n`);
      await expect(lockStateDir(layout)).rejects.toThrow(
        new RegExp(`in use by process ${holder.pid}`),
      );
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    const layout = await prepareStateDir(join(dir, 'stale'));
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    await writeFile(layout.lock, `${gone.pid}\n`);
    const release = await lockStateDir(layout);
    expect(await readFile(layout.lock, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });
});
