import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** The report could not be written; the message names the file and the system's reason. */
export class ReportWriteError extends Error {
  constructor(path: string, cause: unknown) {
    const code =
      cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
    const reason =
      code === 'ENOENT'
        ? 'its directory does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code === 'ENOTDIR'
              ? 'a part of its path is not a directory'
              : cause instanceof Error
                ? cause.message
                : String(cause);
    super(`cannot write the report to ${path}: ${reason}${code === '' ? '' : ` (${code})`}`);
    this.name = 'ReportWriteError';
  }
}

/**
 * Writes `text` to `path` whole or not at all: a temporary file beside it (synced), then a
 * rename, so a reader (or a browser reloading it) never sees half a report. Returns the absolute
 * path and the bytes written.
 */
export async function writeAtomically(
  path: string,
  text: string,
): Promise<{ path: string; bytes: number }> {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const data = Buffer.from(text, 'utf8');
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ReportWriteError(path, err);
  }
  return { path: target, bytes: data.length };
}
