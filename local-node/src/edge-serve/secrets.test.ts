import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_KEY_MIN_CHARS } from '@proxima/core/protocol';
import { DATA_KEY_FILE, EdgeServeError, parseSecretsFile, resolveSecrets } from './secrets.ts';

const TOKEN = 'pxa_0123456789abcdefghijklmnopqrstuv';
let dir = '';

async function file(name: string, text: string, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-edge-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveSecrets', () => {
  it('takes ADMIN_TOKEN from PROXIMA_ADMIN_TOKEN, the variable proxima admin reads', async () => {
    const got = await resolveSecrets({ stateDir: dir, env: { PROXIMA_ADMIN_TOKEN: TOKEN } });
    expect(got.values).toEqual({ ADMIN_TOKEN: TOKEN, DATA_KEY: got.values['DATA_KEY'] });
    expect(got.adminTokenFrom).toBe('PROXIMA_ADMIN_TOKEN');
  });

  it('prefers --admin-token-file, without its trailing newline', async () => {
    const path = await file('token', `${TOKEN}x\n`);
    const got = await resolveSecrets({
      stateDir: dir,
      env: { PROXIMA_ADMIN_TOKEN: TOKEN },
      adminTokenFile: path,
    });
    expect(got.values['ADMIN_TOKEN']).toBe(`${TOKEN}x`);
  });

  it('reads more secrets, and ADMIN_TOKEN as a last resort, from --secrets-file', async () => {
    const path = await file(
      'secrets.env',
      `# upstream keys\nCLOUD_A_KEY=sk-a\nexport CLOUD_B_KEY="sk b"\nADMIN_TOKEN=${TOKEN}\n`,
    );
    const got = await resolveSecrets({ stateDir: dir, env: {}, secretsFile: path });
    expect(got.values).toMatchObject({
      CLOUD_A_KEY: 'sk-a',
      CLOUD_B_KEY: 'sk b',
      ADMIN_TOKEN: TOKEN,
    });
    const overridden = await resolveSecrets({
      stateDir: dir,
      env: { PROXIMA_ADMIN_TOKEN: `${TOKEN}env` },
      secretsFile: path,
    });
    expect(overridden.values['ADMIN_TOKEN']).toBe(`${TOKEN}env`);
    expect(overridden.values['CLOUD_A_KEY']).toBe('sk-a');
  });

  it('warns about a secrets file that other users can read', async () => {
    const path = await file('open-token', TOKEN, 0o644);
    const got = await resolveSecrets({ stateDir: dir, env: {}, adminTokenFile: path });
    expect(got.warnings.join('\n')).toMatch(/can be read by other users \(mode 644\); chmod 600/);
  });

  it('refuses to start without an admin token, saying how to give one', async () => {
    const err = await resolveSecrets({ stateDir: dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeServeError);
    expect((err as Error).message).toMatch(
      /no admin token: set PROXIMA_ADMIN_TOKEN .*--admin-token-file/,
    );
  });

  it('refuses a token the edge would not accept (shorter than 32, or with spaces)', async () => {
    await expect(
      resolveSecrets({ stateDir: dir, env: { PROXIMA_ADMIN_TOKEN: 'short' } }),
    ).rejects.toThrow(/has 5 characters; the edge needs at least 32/);
    await expect(
      resolveSecrets({ stateDir: dir, env: { PROXIMA_ADMIN_TOKEN: `${TOKEN} with space` } }),
    ).rejects.toThrow(/white space/);
  });

  it('names a token file it cannot read', async () => {
    await expect(
      resolveSecrets({ stateDir: dir, env: {}, adminTokenFile: join(dir, 'missing') }),
    ).rejects.toThrow(/--admin-token-file .*missing: cannot read it \(ENOENT\)/);
    await expect(resolveSecrets({ stateDir: dir, env: {}, adminTokenFile: dir })).rejects.toThrow(
      /not a file/,
    );
  });
});

describe('resolveSecrets: DATA_KEY', () => {
  const DATA_KEY = 'pxd_0123456789abcdefghijklmnopqrstuvwxyz';
  const env = { PROXIMA_ADMIN_TOKEN: TOKEN };

  it('makes one in the state directory on the first start, says so, and reuses it after', async () => {
    const stateDir = join(dir, 'state-new', 'nested');
    const first = await resolveSecrets({ stateDir, env });
    const path = join(stateDir, DATA_KEY_FILE);
    const key = first.values['DATA_KEY'] ?? '';
    expect(key.length).toBeGreaterThanOrEqual(DATA_KEY_MIN_CHARS);
    expect(await readFile(path, 'utf8')).toBe(`${key}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(first.dataKeyFrom).toBe(path);
    expect(first.warnings.join('\n')).toMatch(
      new RegExp(`made a new DATA_KEY in ${path}.*losing it loses that data`),
    );
    const second = await resolveSecrets({ stateDir, env });
    expect(second.values['DATA_KEY']).toBe(key);
    expect(second.warnings).toEqual([]);
  });

  it('takes PROXIMA_DATA_KEY, else DATA_KEY from --secrets-file, and then keeps no file', async () => {
    const stateDir = join(dir, 'state-given');
    const fromEnv = await resolveSecrets({
      stateDir,
      env: { ...env, PROXIMA_DATA_KEY: `${DATA_KEY}env` },
    });
    expect(fromEnv.values['DATA_KEY']).toBe(`${DATA_KEY}env`);
    expect(fromEnv.dataKeyFrom).toBe('PROXIMA_DATA_KEY');
    const path = await file('with-data-key.env', `DATA_KEY=${DATA_KEY}\n`);
    const fromFile = await resolveSecrets({ stateDir, env, secretsFile: path });
    expect(fromFile.values['DATA_KEY']).toBe(DATA_KEY);
    expect(fromFile.dataKeyFrom).toBe(`DATA_KEY in --secrets-file ${path}`);
    await expect(stat(join(stateDir, DATA_KEY_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a DATA_KEY the edge would refuse, naming where it came from', async () => {
    await expect(
      resolveSecrets({ stateDir: dir, env: { ...env, PROXIMA_DATA_KEY: 'short' } }),
    ).rejects.toThrow(
      new RegExp(
        `DATA_KEY from PROXIMA_DATA_KEY has 5 characters; the edge needs at least ${DATA_KEY_MIN_CHARS}`,
      ),
    );
  });

  it('names a state directory where it cannot keep one', async () => {
    const blocker = await file('not-a-dir', 'x');
    await expect(resolveSecrets({ stateDir: blocker, env })).rejects.toThrow(
      /--state-dir .*not-a-dir: cannot keep a DATA_KEY/,
    );
  });
});

describe('parseSecretsFile', () => {
  it('rejects names that cannot be bindings and empty values', () => {
    expect(() => parseSecretsFile('BAD-NAME=x\n', 'f')).toThrow(/'BAD-NAME' is not a binding name/);
    expect(() => parseSecretsFile('EMPTY=\n', 'f')).toThrow(/EMPTY is empty/);
  });
});
