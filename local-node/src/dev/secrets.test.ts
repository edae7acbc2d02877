import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_KEY_MIN_CHARS } from '@proxima/core/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecrets } from './secrets.ts';

let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-dev-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stored(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8')) as Record<string, unknown>;
}

const OLD = {
  adminToken: 'pxa_old-admin-token-0123456789abcdefgh',
  apiKey: 'pxk_old-api-key-0123456789abcdefghijk',
  nodeTokens: { 'dev-node-1': 'pxn_old-node-token-0123456789abcdef' },
};

describe('loadOrCreateSecrets', () => {
  it('makes every secret once, a DATA_KEY the edge accepts included, and keeps them private', async () => {
    const first = await loadOrCreateSecrets(dir);
    expect(first.dataKey.length).toBeGreaterThanOrEqual(DATA_KEY_MIN_CHARS);
    expect(first.dataKey).not.toBe(first.adminToken);
    expect(await stored()).toEqual(first);
    expect((await stat(join(dir, 'secrets.json'))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateSecrets(dir)).toEqual(first);
  });

  it('adds a DATA_KEY to an older secrets.json, keeping its other secrets, and saves it', async () => {
    await writeFile(join(dir, 'secrets.json'), JSON.stringify(OLD));
    const upgraded = await loadOrCreateSecrets(dir);
    expect(upgraded).toMatchObject(OLD);
    expect(upgraded.dataKey.length).toBeGreaterThanOrEqual(DATA_KEY_MIN_CHARS);
    expect(await stored()).toEqual(upgraded);
    expect((await loadOrCreateSecrets(dir)).dataKey).toBe(upgraded.dataKey);
  });

  it('gives the one token of a file from before per-node tokens to dev-node-1', async () => {
    const { adminToken, apiKey } = OLD;
    await writeFile(
      join(dir, 'secrets.json'),
      JSON.stringify({ adminToken, apiKey, nodeToken: 'pxn_one' }),
    );
    const got = await loadOrCreateSecrets(dir);
    expect(got.nodeTokens).toEqual({ 'dev-node-1': 'pxn_one' });
    expect(got.adminToken).toBe(OLD.adminToken);
  });

  it('refuses a data key the edge would refuse, rather than replace it and lose data', async () => {
    await writeFile(join(dir, 'secrets.json'), JSON.stringify({ ...OLD, dataKey: 'short' }));
    await expect(loadOrCreateSecrets(dir)).rejects.toThrow(/not a valid secrets file/);
    expect((await stored())['dataKey']).toBe('short');
  });
});
