import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assetsModuleSource } from './assets-module.ts';
import { buildDashboardFiles } from './dashboard-files.ts';

/** Where the edge imports the generated module from. */
export const ASSETS_MODULE = join(
  import.meta.dirname,
  '..',
  '..',
  'dist',
  'dashboard',
  'assets.ts',
);

export interface WriteResult {
  readonly path: string;
  readonly bytes: number;
  /** false when the file already held exactly this text (its mtime is left alone). */
  readonly changed: boolean;
}

/** Builds the page and writes the module, skipping the write when nothing changed. */
export async function writeAssetsModule(path: string = ASSETS_MODULE): Promise<WriteResult> {
  const source = assetsModuleSource(await buildDashboardFiles());
  const old = await readFile(path, 'utf8').catch(() => null);
  if (old !== source) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, source);
  }
  return { path, bytes: Buffer.byteLength(source), changed: old !== source };
}
