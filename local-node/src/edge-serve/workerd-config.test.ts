import { describe, expect, it } from 'vitest';
import {
  capnpString,
  durableObjectUniqueKey,
  renderWorkerdConfig,
  secretEnvName,
  type WorkerdConfigSpec,
} from './workerd-config.ts';

const spec: WorkerdConfigSpec = {
  bundleFile: 'index.js',
  compatibilityDate: '2026-08-06',
  compatibilityFlags: ['enable_request_signal'],
  durableObjects: [
    { name: 'REGISTRY', className: 'Registry' },
    { name: 'NODE_SESSION', className: 'NodeSession' },
    { name: 'OLD_STYLE', className: 'KeyValueObject' },
  ],
  sqliteClasses: ['Registry', 'NodeSession'],
  vars: { HEARTBEAT_MS: '2000', CORS_ORIGINS: 'https://a.example, "quoted"\n' },
  secretNames: ['ADMIN_TOKEN', 'CLOUD_A_KEY'],
  host: '0.0.0.0',
  port: 8787,
  storageDir: '/var/lib/proxima edge/do',
};

describe('renderWorkerdConfig', () => {
  const text = renderWorkerdConfig(spec);

  it('takes the compatibility date and flags from wrangler.jsonc', () => {
    expect(text).toContain('compatibilityDate = "2026-08-06"');
    expect(text).toMatch(/compatibilityFlags = \[\s*"enable_request_signal",\s*\]/);
  });

  it('listens where asked, with the Worker itself behind the socket (no entry Worker)', () => {
    expect(text).toContain(
      '(name = "http", address = "0.0.0.0:8787", http = (), service = "proxima-edge")',
    );
    expect(text).toContain('(name = "proxima-edge", worker = .edgeWorker)');
    expect(text).not.toMatch(/loopback|entry\.worker|inspector|cfBlobHeader/);
  });

  it('binds each Durable Object namespace and keeps its storage on disk, SQLite where migrated', () => {
    expect(text).toContain('(name = "REGISTRY", durableObjectNamespace = "Registry")');
    expect(text).toContain(
      '(className = "Registry", uniqueKey = "proxima-edge-Registry", enableSql = true)',
    );
    expect(text).toContain(
      '(className = "KeyValueObject", uniqueKey = "proxima-edge-KeyValueObject")',
    );
    expect(text).toContain('durableObjectStorage = (localDisk = "do-storage")');
    expect(text).toContain(
      '(name = "do-storage", disk = (path = "/var/lib/proxima edge/do", writable = true))',
    );
  });

  it('writes vars as text, escaped', () => {
    expect(text).toContain('(name = "HEARTBEAT_MS", text = "2000")');
    expect(text).toContain('(name = "CORS_ORIGINS", text = "https://a.example, \\"quoted\\"\\n")');
  });

  it('never holds a secret: each is read from workerd’s environment', () => {
    expect(text).toContain(
      '(name = "ADMIN_TOKEN", fromEnvironment = "PROXIMA_EDGE_SECRET_ADMIN_TOKEN")',
    );
    expect(text).toContain(
      '(name = "CLOUD_A_KEY", fromEnvironment = "PROXIMA_EDGE_SECRET_CLOUD_A_KEY")',
    );
    expect(secretEnvName('ADMIN_TOKEN')).toBe('PROXIMA_EDGE_SECRET_ADMIN_TOKEN');
  });

  it('embeds the bundle by its file name, next to the config', () => {
    expect(text).toMatch(/modules = \[\s*\(name = "index.js", esModule = embed "index.js"\),\s*\]/);
  });

  it('embeds each wasm module the bundle imports as a compiled module, after the bundle', () => {
    const withWasm = renderWorkerdConfig({ ...spec, wasmModules: ['kernels.wasm', 'a1b2-x.wasm'] });
    expect(withWasm).toMatch(
      /modules = \[\s*\(name = "index.js", esModule = embed "index.js"\),\s*\(name = "kernels.wasm", wasm = embed "kernels.wasm"\),\s*\(name = "a1b2-x.wasm", wasm = embed "a1b2-x.wasm"\),\s*\]/,
    );
    expect(text).not.toContain('wasm =');
  });

  it('adds no V8 flags unless asked', () => {
    expect(text).toContain('v8Flags = [],');
    expect(renderWorkerdConfig({ ...spec, v8Flags: ['--max-semi-space-size=1'] })).toMatch(
      /v8Flags = \[\s*"--max-semi-space-size=1",\s*\]/,
    );
  });

  it('keeps the unique keys that proxima dev (Miniflare) uses, so both find the same objects', () => {
    expect(durableObjectUniqueKey('RaftPeer')).toBe('proxima-edge-RaftPeer');
  });
});

describe('capnpString', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\tnew\nline', '"tab\\tnew\\nline"'],
    ['bell\u0007del\u007f', '"bell\\x07del\\x7f"'],
    ['ünïcödé ✓', '"ünïcödé ✓"'],
  ])('%j -> %s', (input, output) => {
    expect(capnpString(input)).toBe(output);
  });
});
