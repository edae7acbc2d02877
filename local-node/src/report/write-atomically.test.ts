import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically } from './write-atomically.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-report-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeAtomically', () => {
  it('writes the file, replaces an older one whole, and leaves no temporary file', async () => {
    const path = join(dir, 'report.html');
    await writeFile(path, 'old report');
    const written = await writeAtomically(path, 'new – report');
    expect(written).toEqual({ path, bytes: Buffer.byteLength('new – report') });
    expect(await readFile(path, 'utf8')).toBe('new – report');
    expect(await readdir(dir)).toEqual(['report.html']);
  });

  it('names the file and the reason when its directory does not exist', async () => {
    const path = join(dir, 'missing', 'report.html');
    await expect(writeAtomically(path, 'x')).rejects.toThrow(
      `cannot write the report to ${path}: its directory does not exist (ENOENT)`,
    );
  });

  it('refuses to replace a directory, and cleans up its temporary file', async () => {
    const path = join(dir, 'taken');
    await mkdir(path);
    await expect(writeAtomically(path, 'x')).rejects.toThrow(
      /cannot write the report to .*taken: /,
    );
    expect(await readdir(dir)).toEqual(['taken']);
  });
});
