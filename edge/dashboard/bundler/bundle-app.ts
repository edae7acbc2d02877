import { join } from 'node:path';
import { build } from 'esbuild';

/** The front end's source folder. */
export const APP_DIR = join(import.meta.dirname, '..', 'app');

export interface AppBundle {
  readonly js: string;
  readonly css: string;
}

/** Bundles the page's script and stylesheet (ours and uPlot's) in memory, minified. */
export async function bundleApp(): Promise<AppBundle> {
  const result = await build({
    entryPoints: { app: join(APP_DIR, 'main.tsx'), styles: join(APP_DIR, 'styles', 'index.css') },
    absWorkingDir: APP_DIR,
    tsconfig: join(APP_DIR, 'tsconfig.json'),
    outdir: 'out',
    write: false,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    // Evergreen browsers from 2023 on: dialog, EventSource, :focus-visible, ResizeObserver.
    target: ['chrome115', 'firefox115', 'safari16.4', 'edge115'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    charset: 'utf8',
    legalComments: 'eof',
    logLevel: 'error',
  });
  const text = (ext: string): string => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`esbuild produced no ${ext} file`);
    return file.text;
  };
  return { js: text('.js'), css: text('.css') };
}
