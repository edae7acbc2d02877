// `npm run deploy:check` end to end: the real script, its real steps (wrangler's dry run of the
// edge, the esbuild bundle of the Function App, the Bicep text checks), read from its last line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../scripts/deploy-check/run.ts';

const ROOT = join(import.meta.dirname, '..');

interface Report {
  ok: boolean;
  edge: { ok: boolean; bytes: number; gzipBytes: number; modules: number };
  functions: {
    ok: boolean;
    missingEntry?: boolean;
    bundleBytes: number;
    zipBytes: number;
    zip?: string;
    dependencies?: Record<string, string>;
    error?: string;
  };
  bicep: { ok: boolean; findings: number; cli: string; built: number };
}

let exitCode: number | null;
let output: string;
let report: Report;

beforeAll(async () => {
  const result = await run(process.execPath, [join(ROOT, 'scripts', 'deploy-check.ts')], {
    cwd: ROOT,
    timeoutMs: 600_000,
  });
  exitCode = result.code;
  output = result.stdout;
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  report = JSON.parse(last) as Report;
}, 620_000);

describe('deploy:check', () => {
  it('ends with one JSON line, and its exit code agrees with it', () => {
    expect(typeof report.ok).toBe('boolean');
    expect(exitCode).toBe(report.ok ? 0 : 1);
  });

  it('(a) bundles the edge with its real wrangler.jsonc', () => {
    expect(report.edge.ok, output).toBe(true);
    expect(report.edge.modules).toBeGreaterThan(0);
    expect(report.edge.gzipBytes).toBeGreaterThan(0);
    expect(report.edge.gzipBytes).toBeLessThan(report.edge.bytes);
  });

  it('(c) passes the Bicep text checks', () => {
    expect(report.bicep.ok, output).toBe(true);
    expect(report.bicep.findings).toBe(0);
  });

  it('(b) packages the Function App: bundle, package.json with exact externals, host.json, zip', async () => {
    expect(report.functions.ok, output).toBe(true);
    expect(report.functions.zip).toBe('functions/dist/proxima-functions.zip');
    const dist = join(ROOT, 'functions', 'dist');
    const manifest = JSON.parse(await readFile(join(dist, 'package.json'), 'utf8')) as {
      main: string;
      type: string;
      dependencies: Record<string, string>;
    };
    expect(manifest.main).toBe('index.js');
    expect(manifest.type).toBe('module');
    expect(manifest.dependencies).toEqual(report.functions.dependencies);
    // The host's own library is never bundled; every version is exact.
    expect(Object.keys(manifest.dependencies)).toContain('@azure/functions');
    for (const version of Object.values(manifest.dependencies))
      expect(version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    const host = JSON.parse(await readFile(join(dist, 'host.json'), 'utf8')) as { version: string };
    const source = JSON.parse(
      await readFile(join(ROOT, 'functions', 'host.json'), 'utf8'),
    ) as unknown;
    expect(host).toEqual(source);
  });

  it('(b) zips exactly what the Function App runs, readable by unzip', async () => {
    const zip = join(ROOT, 'functions', 'dist', 'proxima-functions.zip');
    const unzip = await run('unzip', ['-Z1', zip], { cwd: ROOT, timeoutMs: 30_000 });
    if (unzip.code === null) return; // no unzip here: the zip's bytes are still checked below
    expect(unzip.code).toBe(0);
    expect(unzip.stdout.trim().split('\n').sort()).toEqual([
      '.npmrc',
      'host.json',
      'index.js',
      'package.json',
    ]);
    const bundled = await run('unzip', ['-p', zip, 'index.js'], { cwd: ROOT, timeoutMs: 30_000 });
    expect(bundled.stdout).toBe(
      await readFile(join(ROOT, 'functions', 'dist', 'index.js'), 'utf8'),
    );
  });
});
