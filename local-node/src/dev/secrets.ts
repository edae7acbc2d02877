import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The dev fleet's secrets, made once per state directory and reused, so keys survive restarts. */
export interface DevSecrets {
  readonly adminToken: string;
  readonly apiKey: string;
  readonly nodeToken: string;
}

function secret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function isSecrets(value: unknown): value is DevSecrets {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['adminToken'] === 'string' &&
    typeof v['apiKey'] === 'string' &&
    typeof v['nodeToken'] === 'string'
  );
}

export async function loadOrCreateSecrets(stateDir: string): Promise<DevSecrets> {
  const path = join(stateDir, 'secrets.json');
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (isSecrets(parsed)) return parsed;
    throw new Error(`${path} is not a valid secrets file; delete it to have new secrets made`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secrets: DevSecrets = {
    adminToken: secret('pxa'),
    apiKey: secret('pxk'),
    nodeToken: secret('pxn'),
  };
  await mkdir(stateDir, { recursive: true });
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
