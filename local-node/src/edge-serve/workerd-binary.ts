import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { EdgeServeError } from './secrets.ts';

/**
 * The workerd binary that `proxima dev` runs too: the `workerd` package that Miniflare depends on
 * (its default export is the platform binary's path), so both runtimes accept the same
 * compatibility date. `override` (`--workerd FILE`) runs another build instead.
 */
export function workerdBinary(override?: string): string {
  let path = override;
  if (path === undefined) {
    try {
      const fromMiniflare = createRequire(createRequire(import.meta.url).resolve('miniflare'));
      path = (fromMiniflare('workerd') as { default: string }).default;
    } catch (err) {
      throw new EdgeServeError(
        `cannot find the workerd binary through miniflare's workerd package (${err instanceof Error ? err.message : String(err)}); run npm install, or pass --workerd FILE.`,
      );
    }
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new EdgeServeError(
      `${override === undefined ? 'workerd' : `--workerd ${override}`}: ${path} is not an executable file.`,
    );
  }
  return path;
}
