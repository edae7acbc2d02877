import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EdgeServeError } from './secrets.ts';

/** What `proxima edge serve` keeps under `--state-dir`. */
export interface StateLayout {
  readonly root: string;
  /** One SQLite file per Durable Object, under `<uniqueKey>/` (the layout Miniflare uses too). */
  readonly storage: string;
  /** The bundle and the generated config, rewritten on every start. */
  readonly workerd: string;
  /** Holds the pid of the `edge serve` that owns the directory. */
  readonly lock: string;
}

export function stateLayout(dir: string): StateLayout {
  const root = resolve(dir);
  return {
    root,
    storage: join(root, 'do'),
    workerd: join(root, 'workerd'),
    lock: join(root, 'edge-serve.pid'),
  };
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** Creates the directories and proves they can be written, before anything else starts. */
export async function prepareStateDir(dir: string): Promise<StateLayout> {
  const layout = stateLayout(dir);
  try {
    await mkdir(layout.storage, { recursive: true, mode: 0o700 });
    await mkdir(layout.workerd, { recursive: true });
    const probe = join(layout.storage, `.write-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (err) {
    throw new EdgeServeError(
      `--state-dir ${dir}: cannot create or write it (${reason(err)}); pick a directory this user can write.`,
    );
  }
  return layout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the state directory for this process: two workerd processes on the same SQLite files
 * would each believe it owns every Durable Object. A lock left by a process that is gone is taken
 * over. Returns the release function.
 */
export async function lockStateDir(layout: StateLayout): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(layout.lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await rm(layout.lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EdgeServeError(`--state-dir ${layout.root}: cannot lock it (${reason(err)}).`);
      }
    }
    const owner = Number((await readFile(layout.lock, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new EdgeServeError(
        `--state-dir ${layout.root} is in use by process ${owner} (another \`proxima edge serve\`); stop it or pick another directory.`,
      );
    }
    await rm(layout.lock, { force: true });
  }
  throw new EdgeServeError(`--state-dir ${layout.root}: cannot lock it.`);
}
