// The edge imports .wasm files (the vector kernels) that workerd must receive as CompiledWasm
// modules: it forbids compiling wasm from bytes at runtime, and esbuild cannot inline a compiled
// module. So the bundle keeps each such import external under a flat name, the file is copied
// beside the bundle, and both runtimes (Miniflare for `proxima dev`, bare workerd for
// `proxima edge serve`) are given the module list.
import { createHash } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/** A built edge bundle: the ES module and the wasm modules it imports, all in one directory. */
export interface EdgeBundle {
  /** Absolute path of the ES module bundle. */
  readonly scriptPath: string;
  /** File names, beside the bundle, of the wasm modules it imports (its import specifiers). */
  readonly wasmModules: readonly string[];
}

/** The esbuild plugin, and after the build the flat names of the wasm files it emitted. */
export interface WasmModulesPlugin {
  readonly plugin: Plugin;
  /** Names (relative to the output directory) of the wasm files copied there, sorted. */
  emitted(): string[];
}

const SKIP = Symbol('wasm-modules: resolve without this plugin');

/** The file's name, or (when another file already has it) the name prefixed by its path's hash. */
function flatName(source: string, taken: ReadonlyMap<string, string>): string {
  const name = basename(source);
  const owner = taken.get(name);
  if (owner === undefined || owner === source) return name;
  return `${createHash('sha256').update(source).digest('hex').slice(0, 8)}-${name}`;
}

/**
 * Resolves every `*.wasm` import to an external module `./<flat name>` and, once the build has
 * succeeded, copies each file into `outDir` under that name.
 */
export function wasmModulesPlugin(outDir: string): WasmModulesPlugin {
  const byName = new Map<string, string>();
  const plugin: Plugin = {
    name: 'proxima-wasm-modules',
    setup(build) {
      build.onStart(() => {
        byName.clear();
      });
      build.onResolve({ filter: /\.wasm$/ }, async (args) => {
        if (args.pluginData === SKIP) return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SKIP,
        });
        if (found.errors.length > 0) {
          const hint = 'not found (the kernels are built by npm run build -w @proxima/wasm)';
          return { errors: [{ text: `${args.path}: ${hint}` }] };
        }
        const name = flatName(found.path, byName);
        byName.set(name, found.path);
        return { path: `./${name}`, external: true };
      });
      build.onEnd(async (result) => {
        if (result.errors.length > 0) return;
        await mkdir(outDir, { recursive: true });
        await Promise.all(
          [...byName].map(([name, source]) => copyFile(source, join(outDir, name))),
        );
      });
    },
  };
  return { plugin, emitted: () => [...byName.keys()].sort() };
}

/**
 * One entry of Miniflare 4's `modules` option. Declared here because Miniflare's own type is built
 * on zod 3 and resolves against this repository's zod 4 as `any`.
 */
export interface MiniflareModule {
  readonly type: 'ESModule' | 'CompiledWasm';
  /** Absolute; the module's name is this path relative to `modulesRoot`. */
  readonly path: string;
}

/** Miniflare's module list for the bundle, the ES module first (workerd's main module). */
export function miniflareModules(bundle: EdgeBundle): MiniflareModule[] {
  const dir = dirname(bundle.scriptPath);
  return [
    { type: 'ESModule', path: bundle.scriptPath },
    ...bundle.wasmModules.map((name): MiniflareModule => ({
      type: 'CompiledWasm',
      path: join(dir, name),
    })),
  ];
}
