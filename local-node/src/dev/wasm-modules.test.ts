// The edge's wasm kernels under `proxima dev` (Miniflare) and `proxima edge serve` (bare workerd):
// bundled by bundleEdge, emitted beside the bundle, and running in each runtime.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gaussian, seededRng } from '@proxima/core/lsh';
import { referenceKernels } from '@proxima/wasm/reference';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkerd } from '../edge-serve/run-workerd.ts';
import { workerdBinary } from '../edge-serve/workerd-binary.ts';
import { renderWorkerdConfig } from '../edge-serve/workerd-config.ts';
import { bundleEdge } from './edge-runtime.ts';
import { REPO_ROOT } from './paths.ts';
import { type EdgeBundle, miniflareModules } from './wasm-modules.ts';
import { readEdgeConfig } from './wrangler-config.ts';

const KERNELS_WASM = join(REPO_ROOT, 'wasm', 'build', 'kernels.wasm');
const EDGE_KERNELS = join(REPO_ROOT, 'edge', 'src', 'kernels.ts');

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-wasm-modules-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A Worker whose only job is a code path through edgeKernels(): POST {a, b} answers their dot. */
async function bundleKernelsWorker(name: string): Promise<EdgeBundle> {
  const entry = join(dir, `${name}-entry.ts`);
  await writeFile(
    entry,
    `import { edgeKernels } from ${JSON.stringify(EDGE_KERNELS)};
export default {
  async fetch(request: Request): Promise<Response> {
    const { a, b } = (await request.json()) as { a: number[]; b: number[] };
    const k = edgeKernels();
    return Response.json({ kernels: k.name, dot: k.dotF32(Float32Array.from(a), Float32Array.from(b)) });
  },
};
`,
  );
  return bundleEdge(join(dir, name, 'index.js'), entry);
}

/** The wasm specifiers the bundle imports, in order. */
function wasmImports(bundleText: string): string[] {
  return [...bundleText.matchAll(/from\s*"\.\/([^"]+\.wasm)"/g)].map((m) => m[1] ?? '');
}

function randomVectors(seed: number, dim: number): { a: number[]; b: number[] } {
  const rng = seededRng(seed);
  const vec = () => Array.from({ length: dim }, () => Math.fround(gaussian(rng)));
  return { a: vec(), b: vec() };
}

async function expectKernelsAnswer(url: string): Promise<void> {
  const { a, b } = randomVectors(7, 384);
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ a, b }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { kernels: string; dot: number };
  expect(body.kernels).toBe('wasm-simd');
  expect(body.dot).toBeCloseTo(
    referenceKernels.dotF32(Float32Array.from(a), Float32Array.from(b)),
    3,
  );
}

describe('bundleEdge and wasm modules', () => {
  it('emits the kernels beside the bundle under a flat name that the bundle imports', async () => {
    const bundle = await bundleKernelsWorker('flat');
    expect(bundle.wasmModules).toEqual(['kernels.wasm']);
    const emitted = join(dirname(bundle.scriptPath), 'kernels.wasm');
    expect(await readFile(emitted)).toEqual(await readFile(KERNELS_WASM));
    expect(wasmImports(await readFile(bundle.scriptPath, 'utf8'))).toEqual(['kernels.wasm']);
  });

  it('gives two different files of one name two flat names', async () => {
    for (const sub of ['a', 'b']) {
      await mkdir(join(dir, 'twins', sub), { recursive: true });
      await copyFile(KERNELS_WASM, join(dir, 'twins', sub, 'kernels.wasm'));
    }
    const entry = join(dir, 'twins', 'entry.ts');
    await writeFile(
      entry,
      `import a from './a/kernels.wasm';\nimport b from './b/kernels.wasm';\nexport default { fetch: () => new Response(String(a !== b)) };\n`,
    );
    const bundle = await bundleEdge(join(dir, 'twins', 'out', 'index.js'), entry);
    expect(bundle.wasmModules).toHaveLength(2);
    expect(bundle.wasmModules).toContain('kernels.wasm');
    expect(bundle.wasmModules.find((n) => n !== 'kernels.wasm')).toMatch(
      /^[0-9a-f]{8}-kernels\.wasm$/,
    );
    for (const name of bundle.wasmModules)
      expect(existsSync(join(dir, 'twins', 'out', name))).toBe(true);
    expect(new Set(wasmImports(await readFile(bundle.scriptPath, 'utf8')))).toEqual(
      new Set(bundle.wasmModules),
    );
  });

  it('fails the build, naming the file, when a wasm import is missing', async () => {
    const entry = join(dir, 'missing-entry.ts');
    await writeFile(entry, `import m from './nowhere/kernels.wasm';\nexport default { m };\n`);
    await expect(bundleEdge(join(dir, 'missing', 'index.js'), entry)).rejects.toThrow(
      /nowhere\/kernels\.wasm: not found/,
    );
  });

  it('emits the kernels beside the real edge bundle (its Durable Objects use them)', async () => {
    const bundle = await bundleEdge(join(dir, 'edge', 'index.js'));
    expect(bundle.wasmModules).toContain('kernels.wasm');
    const imports = wasmImports(await readFile(bundle.scriptPath, 'utf8'));
    expect([...new Set(imports)].sort()).toEqual(bundle.wasmModules);
    for (const name of bundle.wasmModules) expect(existsSync(join(dir, 'edge', name))).toBe(true);
  });
});

describe('the kernels in each local runtime', () => {
  it('answer under Miniflare (proxima dev) given the module list', async () => {
    const bundle = await bundleKernelsWorker('miniflare');
    const config = await readEdgeConfig(join(REPO_ROOT, 'edge', 'wrangler.jsonc'));
    expect(miniflareModules(bundle)).toEqual([
      { type: 'ESModule', path: bundle.scriptPath },
      { type: 'CompiledWasm', path: join(dir, 'miniflare', 'kernels.wasm') },
    ]);
    const mf = new Miniflare({
      modules: miniflareModules(bundle),
      modulesRoot: dirname(bundle.scriptPath),
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      host: '127.0.0.1',
      port: 0,
      cf: false,
    });
    try {
      await expectKernelsAnswer((await mf.ready).toString());
    } finally {
      await mf.dispose();
    }
  });

  it('answer under bare workerd (proxima edge serve) from the generated config', async () => {
    const bundle = await bundleKernelsWorker('workerd');
    const config = await readEdgeConfig(join(REPO_ROOT, 'edge', 'wrangler.jsonc'));
    const text = renderWorkerdConfig({
      bundleFile: 'index.js',
      wasmModules: bundle.wasmModules,
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      durableObjects: [],
      sqliteClasses: [],
      vars: {},
      secretNames: [],
      host: '127.0.0.1',
      port: 0,
      storageDir: join(dir, 'workerd-storage'),
    });
    expect(text).toContain('(name = "kernels.wasm", wasm = embed "kernels.wasm")');
    await mkdir(join(dir, 'workerd-storage'), { recursive: true });
    const configFile = join(dir, 'workerd', 'config.capnp');
    await writeFile(configFile, text);

    let port = 0;
    const messages: string[] = [];
    const done = runWorkerd({
      binary: workerdBinary(),
      configFile,
      env: {},
      drainTimeoutMs: 2000,
      onListening: (p) => (port = p),
      onMessage: (line) => messages.push(line),
    });
    try {
      const deadline = Date.now() + 15_000;
      while (port === 0) {
        if (Date.now() > deadline)
          throw new Error(`workerd did not listen: ${messages.join('\n')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await expectKernelsAnswer(`http://127.0.0.1:${port}/`);
    } finally {
      process.emit('SIGTERM', 'SIGTERM');
      expect(await done).toBe(0);
    }
  });
});
