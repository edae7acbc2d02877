// Azurite, the Storage emulator, as a child process on free ports with its data in `dir`. It
// ignores SIGTERM, so close() sends SIGINT (a clean shutdown) and SIGKILL after a grace.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface AzuritePorts {
  readonly blob: number;
  readonly queue: number;
  readonly table: number;
}

export interface Azurite {
  /** For AzureWebJobsStorage: Azurite's well-known dev account on these ports. */
  readonly connectionString: string;
  readonly ports: AzuritePorts;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  /** Where Azurite keeps its data (its --location). */
  readonly dir: string;
  readonly startTimeoutMs?: number;
  readonly stopGraceMs?: number;
}

/** Azurite's documented development account: public, the same in every Azurite. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const LISTENING =
  /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g;

export async function startAzurite(options: AzuriteOptions): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  // Port 0 on all three: the OS picks free ports and Azurite prints them.
  const child = spawn(
    process.execPath,
    [
      main,
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--silent',
      '--loose',
      '--location',
      options.dir,
      '--blobPort',
      '0',
      '--queuePort',
      '0',
      '--tablePort',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(child, 'exit');
  let output = '';
  const found = new Map<string, number>();
  const ports = new Promise<AzuritePorts>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Azurite did not start in time; it said: ${output.slice(-2000)}`)),
      options.startTimeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const match of output.matchAll(LISTENING))
        found.set(match[1]!.toLowerCase(), Number(match[2]));
      const blob = found.get('blob');
      const queue = found.get('queue');
      const table = found.get('table');
      if (blob !== undefined && queue !== undefined && table !== undefined) {
        clearTimeout(timer);
        resolve({ blob, queue, table });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`Azurite exited (${code ?? signal}) before listening: ${output.slice(-2000)}`),
      );
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });

  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const grace = new Promise<'late'>((resolve) =>
      setTimeout(() => resolve('late'), options.stopGraceMs ?? 5_000).unref(),
    );
    if ((await Promise.race([exited, grace])) === 'late') {
      child.kill('SIGKILL');
      await exited;
    }
  };

  try {
    const p = await ports;
    return { connectionString: azuriteConnectionString(p), ports: p, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function azuriteConnectionString(ports: AzuritePorts, host = '127.0.0.1'): string {
  const endpoint = (port: number) => `http://${host}:${port}/${DEV_ACCOUNT}`;
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=${endpoint(ports.blob)}`,
    `QueueEndpoint=${endpoint(ports.queue)}`,
    `TableEndpoint=${endpoint(ports.table)}`,
  ].join(';');
}
