import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_KEY_MIN_CHARS } from '@proxima/core/protocol';

/**
 * The dev fleet's secrets, made once per state directory and reused, so keys survive restarts.
 * Each node has its own token, bound to its node id on the edge.
 */
export interface DevSecrets {
  readonly adminToken: string;
  readonly apiKey: string;
  readonly nodeTokens: Record<string, string>;
  /** The edge's DATA_KEY: RAG chunks and cached answers are sealed under it, so it must persist. */
  readonly dataKey: string;
}

export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

type StoredSecrets = Omit<DevSecrets, 'dataKey'> & { readonly dataKey?: string };

/**
 * Reads secrets.json; a file from before per-node tokens gives its one token to dev-node-1, and
 * one from before DATA_KEY has none (the caller adds it). A data key too short for the edge is an
 * error, never silently replaced: data sealed under it would be lost.
 */
function fromJson(value: unknown): StoredSecrets | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const { adminToken, apiKey, nodeTokens, nodeToken, dataKey } = v;
  if (typeof adminToken !== 'string' || typeof apiKey !== 'string') return null;
  if (dataKey !== undefined && (typeof dataKey !== 'string' || dataKey.length < DATA_KEY_MIN_CHARS))
    return null;
  const key = dataKey === undefined ? {} : { dataKey };
  if (isStringRecord(nodeTokens))
    return { adminToken, apiKey, nodeTokens: { ...nodeTokens }, ...key };
  if (typeof nodeToken === 'string')
    return { adminToken, apiKey, nodeTokens: { 'dev-node-1': nodeToken }, ...key };
  return null;
}

export async function saveSecrets(stateDir: string, secrets: DevSecrets): Promise<void> {
  const path = join(stateDir, 'secrets.json');
  await mkdir(stateDir, { recursive: true });
  await writeFile(`${path}.tmp`, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

export async function loadOrCreateSecrets(stateDir: string): Promise<DevSecrets> {
  const path = join(stateDir, 'secrets.json');
  try {
    const parsed = fromJson(JSON.parse(await readFile(path, 'utf8')));
    if (parsed?.dataKey !== undefined) return { ...parsed, dataKey: parsed.dataKey };
    if (parsed) {
      const upgraded: DevSecrets = { ...parsed, dataKey: newSecret('pxd') };
      await saveSecrets(stateDir, upgraded);
      return upgraded;
    }
    throw new Error(`${path} is not a valid secrets file; delete it to have new secrets made`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secrets: DevSecrets = {
    adminToken: newSecret('pxa'),
    apiKey: newSecret('pxk'),
    nodeTokens: {},
    dataKey: newSecret('pxd'),
  };
  await saveSecrets(stateDir, secrets);
  return secrets;
}
