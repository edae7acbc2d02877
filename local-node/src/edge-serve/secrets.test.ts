import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeServeError, parseSecretsFile, resolveSecrets } from './secrets.ts';

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
    const got = await resolveSecrets({ env: { PROXIMA_ADMIN_TOKEN: TOKEN } });
    expect(got.values).toEqual({ ADMIN_TOKEN: TOKEN });
    expect(got.adminTokenFrom).toBe('PROXIMA_ADMIN_TOKEN');
  });

  it('prefers --admin-token-file, without its trailing newline', async () => {
    const path = await file('token', `${TOKEN}x\n`);
    const got = await resolveSecrets({
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
    const got = await resolveSecrets({ env: {}, secretsFile: path });
    expect(got.values).toEqual({ CLOUD_A_KEY: 'sk-a', CLOUD_B_KEY: 'sk b', ADMIN_TOKEN: TOKEN });
    const overridden = await resolveSecrets({
      env: { PROXIMA_ADMIN_TOKEN: `${TOKEN}env` },
      secretsFile: path,
    });
    expect(overridden.values['ADMIN_TOKEN']).toBe(`${TOKEN}env`);
    expect(overridden.values['CLOUD_A_KEY']).toBe('sk-a');
  });

  it('warns about a secrets file that other users can read', async () => {
    const path = await file('open-token', TOKEN, 0o644);
    const got = await resolveSecrets({ env: {}, adminTokenFile: path });
    expect(got.warnings.join('\n')).toMatch(/can be read by other users \(mode 644\); chmod 600/);
  });

  it('refuses to start without an admin token, saying how to give one', async () => {
    const err = await resolveSecrets({ env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeServeError);
    expect((err as Error).message).toMatch(
      /no admin token: set PROXIMA_ADMIN_TOKEN .*--admin-token-file/,
    );
  });

  it('refuses a token the edge would not accept (shorter than 32, or with spaces)', async () => {
    await expect(resolveSecrets({ env: { PROXIMA_ADMIN_TOKEN: 'short' } })).rejects.toThrow(
      /has 5 characters; the edge needs at least 32/,
    );
    await expect(
      resolveSecrets({ env: { PROXIMA_ADMIN_TOKEN: `${TOKEN} with space` } }),
    ).rejects.toThrow(/white space/);
  });

  it('names a token file it cannot read', async () => {
    await expect(resolveSecrets({ env: {}, adminTokenFile: join(dir, 'missing') })).rejects.toThrow(
      /--admin-token-file .*missing: cannot read it \(ENOENT\)/,
    );
    await expect(resolveSecrets({ env: {}, adminTokenFile: dir })).rejects.toThrow(/not a file/);
  });
});

describe('parseSecretsFile', () => {
  it('rejects names that cannot be bindings and empty values', () => {
    expect(() => parseSecretsFile('BAD-NAME=x\n', 'f')).toThrow(/'BAD-NAME' is not a binding name/);
    expect(() => parseSecretsFile('EMPTY=\n', 'f')).toThrow(/EMPTY is empty/);
  });
});
