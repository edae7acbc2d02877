// Step (a): bundle the edge Worker the way `wrangler deploy` would, with its real wrangler.jsonc,
// without uploading anything (`--dry-run`), and measure what would be uploaded.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from './run.ts';

export interface EdgeBundleReport {
  readonly ok: boolean;
  /** Bytes of the modules wrangler would upload (source maps and its README excluded). */
  readonly bytes: number;
  /** The same, gzipped one module at a time (Cloudflare's size limit counts compressed bytes). */
  readonly gzipBytes: number;
  readonly modules: number;
  /** Wrangler's own "Total Upload: … KiB / gzip: … KiB" line. */
  readonly wranglerTotal?: string;
  readonly error?: string;
}

export async function checkEdgeBundle(repoRoot: string): Promise<EdgeBundleReport> {
  const outdir = await mkdtemp(join(tmpdir(), 'proxima-edge-dry-run-'));
  try {
    const wrangler = join(repoRoot, 'node_modules', '.bin', 'wrangler');
    const result = await run(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
      cwd: join(repoRoot, 'edge'),
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      timeoutMs: 300_000,
    });
    const total = /Total Upload:[^\n]*/.exec(result.stdout + result.stderr)?.[0].trim();
    if (result.code !== 0) {
      const why = result.timedOut ? 'timed out' : `exited ${String(result.code)}`;
      return {
        ok: false,
        bytes: 0,
        gzipBytes: 0,
        modules: 0,
        error: `wrangler ${why}: ${tail(result.stderr || result.stdout)}`,
      };
    }
    let bytes = 0;
    let gzipBytes = 0;
    let modules = 0;
    for (const name of await readdir(outdir)) {
      if (name.endsWith('.map') || name === 'README.md') continue;
      const data = await readFile(join(outdir, name));
      bytes += data.length;
      gzipBytes += gzipSync(data).length;
      modules++;
    }
    const ok = modules > 0 && bytes > 0;
    return {
      ok,
      bytes,
      gzipBytes,
      modules,
      ...(total === undefined ? {} : { wranglerTotal: total }),
      ...(ok ? {} : { error: 'wrangler wrote no module' }),
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

export function tail(text: string, lines = 12): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
