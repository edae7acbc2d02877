import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssetsModule } from '../../../edge/dashboard/bundler/write-assets-module.ts';

// Runs the dashboard build (as `npm run build -w edge` does) into a scratch file and checks the
// module the edge imports: every file present, each etag the sha-256 of its body, names hashed.

interface GeneratedFile {
  body: string;
  contentType: string;
  etag: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let dir = '';
let path = '';
let files: Record<string, GeneratedFile> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-build-'));
  path = join(dir, 'assets.ts');
  await writeAssetsModule(path);
  const mod = (await import(path)) as { DASHBOARD_FILES: Record<string, GeneratedFile> };
  files = mod.DASHBOARD_FILES;
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the dashboard build', () => {
  it('writes the shell, one script and one stylesheet, each with its sha-256 as etag', () => {
    const paths = Object.keys(files).sort();
    expect(paths).toHaveLength(3);
    expect(paths[0]).toBe('/dashboard');
    expect(paths.filter((p) => /^\/dashboard\/assets\/app-[0-9a-f]{16}\.js$/.test(p))).toHaveLength(
      1,
    );
    expect(
      paths.filter((p) => /^\/dashboard\/assets\/app-[0-9a-f]{16}\.css$/.test(p)),
    ).toHaveLength(1);
    for (const [p, f] of Object.entries(files)) {
      expect(f.etag, p).toBe(sha256(f.body));
      if (p.startsWith('/dashboard/assets/')) expect(p).toContain(`-${f.etag.slice(0, 16)}.`);
    }
  });

  it('has the shell name both hashed assets and carry no inline script or style', () => {
    const html = files['/dashboard'];
    expect(html?.contentType).toBe('text/html; charset=utf-8');
    const assets = Object.keys(files).filter((p) => p !== '/dashboard');
    for (const asset of assets) expect(html?.body).toContain(`"${asset}"`);
    expect(html?.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html?.body).not.toMatch(/<style|\sstyle=/);
  });

  it("bundles uPlot's stylesheet with ours and fetches nothing from another origin", () => {
    const css = Object.entries(files).find(([p]) => p.endsWith('.css'))?.[1];
    expect(css?.body).toContain('.uplot');
    expect(css?.body).toContain('.table-frame');
    for (const f of Object.values(files)) {
      expect(f.body).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//);
      expect(f.body).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
    }
  });

  it('is deterministic: a second build writes nothing new', async () => {
    const first = await readFile(path, 'utf8');
    const again = await writeAssetsModule(path);
    expect(again.changed).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(first);
  });
});
