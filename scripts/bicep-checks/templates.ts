// A set of Bicep files read from one folder, and what a check reports about them.
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { type BicepFile, parseBicep } from './declarations.ts';

export interface Finding {
  /** Which rule: e.g. 'module-path', 'secure-output', 'name-rule'. */
  readonly check: string;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface TemplateSet {
  readonly files: ReadonlyMap<string, BicepFile>;
}

/** Parses sources keyed by path relative to the templates' folder (forward slashes). */
export function templateSet(sources: ReadonlyMap<string, string>): TemplateSet {
  const files = new Map<string, BicepFile>();
  for (const [path, source] of sources) files.set(path, parseBicep(path, source));
  return { files };
}

/** The file a `module` or `using` path names, relative to the file that names it. */
export function resolvePath(from: string, target: string): string {
  return posix.normalize(posix.join(posix.dirname(from), target));
}

/** Every .bicep and .bicepparam file under `dir`, keyed by relative path. */
export async function readTemplates(dir: string): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !/\.bicep(param)?$/.test(entry.name)) continue;
    const full = join(entry.parentPath, entry.name);
    sources.set(relative(dir, full).split(sep).join('/'), await readFile(full, 'utf8'));
  }
  return sources;
}

export function isParamFile(file: BicepFile): boolean {
  return file.path.endsWith('.bicepparam');
}
