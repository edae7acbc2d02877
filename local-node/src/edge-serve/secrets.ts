import { existsSync } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ADMIN_TOKEN_MIN_CHARS, DATA_KEY_MIN_CHARS } from '@proxima/core/protocol';
import { newSecret } from '../dev/secrets.ts';
import { BINDING_NAME_PATTERN } from './flags.ts';

/** A flag or a secret that stops `proxima edge serve` before it starts, with what to do about it. */
export class EdgeServeError extends Error {
  override readonly name = 'EdgeServeError';
}

export interface SecretSources {
  /** `--admin-token-file`: the token alone, a trailing newline ignored. */
  readonly adminTokenFile?: string;
  /** `--secrets-file`: NAME=VALUE lines, as in Wrangler's `.dev.vars` (upstream keys, ADMIN_TOKEN, DATA_KEY). */
  readonly secretsFile?: string;
  /** The environment: PROXIMA_ADMIN_TOKEN (the variable `proxima admin` reads), PROXIMA_DATA_KEY. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--state-dir`: a DATA_KEY given nowhere else is made once and kept here. */
  readonly stateDir: string;
}

export interface ResolvedSecrets {
  /** Every secret binding, ADMIN_TOKEN and DATA_KEY included. */
  readonly values: Readonly<Record<string, string>>;
  /** Where ADMIN_TOKEN came from, for the start-up line. */
  readonly adminTokenFrom: string;
  /** Where DATA_KEY came from, for the start-up line. */
  readonly dataKeyFrom: string;
  /** Things worth saying that do not stop the start (a secrets file others can read). */
  readonly warnings: readonly string[];
}

const TOKEN_HELP =
  'set PROXIMA_ADMIN_TOKEN (the variable `proxima admin` reads) or pass --admin-token-file FILE; ' +
  `make one with: node -e "console.log('pxa_' + require('crypto').randomBytes(24).toString('base64url'))"`;

async function readSecretFile(path: string, flag: string, warnings: string[]): Promise<string> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new EdgeServeError(`${flag} ${path}: not a file.`);
    if ((info.mode & 0o077) !== 0) {
      warnings.push(
        `${flag} ${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it.`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof EdgeServeError) throw err;
    throw new EdgeServeError(
      `${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
    );
  }
  return text;
}

/** Where a generated DATA_KEY is kept, under --state-dir. */
export const DATA_KEY_FILE = 'data-key';

/** Makes `<state-dir>/data-key` (mode 600) unless it exists; true when it made it. */
async function createDataKeyFile(stateDir: string, path: string): Promise<boolean> {
  const cannotKeep = (err: unknown) =>
    new EdgeServeError(
      `--state-dir ${stateDir}: cannot keep a DATA_KEY in ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pick a directory this user can write.`,
    );
  let handle: FileHandle;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && existsSync(path)) return false;
    throw cannotKeep(err);
  }
  try {
    await handle.writeFile(`${newSecret('pxd')}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** The state directory's DATA_KEY, made on the first start and read on every later one. */
async function keptDataKey(stateDir: string, warnings: string[]): Promise<[string, string]> {
  const path = join(resolve(stateDir), DATA_KEY_FILE);
  if (await createDataKeyFile(stateDir, path)) {
    warnings.push(
      `made a new DATA_KEY in ${path}; it encrypts RAG chunks and cached answers at rest. Back it up: losing it loses that data.`,
    );
  }
  const key = (await readSecretFile(path, 'the DATA_KEY file', warnings)).replace(/\r?\n$/, '');
  return [key, path];
}

/**
 * DATA_KEY comes from PROXIMA_DATA_KEY, else the secrets file, else the state directory (made
 * there once). A given key is never replaced: data sealed under it would be lost.
 */
async function resolveDataKey(
  sources: SecretSources,
  fromSecretsFile: string | undefined,
  warnings: string[],
): Promise<[string, string]> {
  const [key, from] =
    sources.env['PROXIMA_DATA_KEY'] !== undefined
      ? [sources.env['PROXIMA_DATA_KEY'], 'PROXIMA_DATA_KEY']
      : fromSecretsFile !== undefined
        ? [fromSecretsFile, `DATA_KEY in --secrets-file ${sources.secretsFile ?? ''}`]
        : await keptDataKey(sources.stateDir, warnings);
  if (key.length < DATA_KEY_MIN_CHARS) {
    throw new EdgeServeError(
      `the DATA_KEY from ${from} has ${key.length} characters; the edge needs at least ${DATA_KEY_MIN_CHARS} ` +
        '(shorter, RAG and the semantic cache refuse to store anything).',
    );
  }
  return [key, from];
}

/** Reads a secrets file: dotenv syntax, binding names only, no empty values. */
export function parseSecretsFile(text: string, path: string): Record<string, string> {
  const parsed = parseEnv(text);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!BINDING_NAME_PATTERN.test(name)) {
      throw new EdgeServeError(
        `--secrets-file ${path}: '${name.slice(0, 64)}' is not a binding name (letters, digits and _).`,
      );
    }
    if (value === undefined || value === '')
      throw new EdgeServeError(`--secrets-file ${path}: ${name} is empty.`);
    out[name] = value;
  }
  return out;
}

/**
 * The edge's secrets. ADMIN_TOKEN comes from --admin-token-file, else PROXIMA_ADMIN_TOKEN, else the
 * secrets file; without one (or with one too short for the edge to accept) nothing starts, since
 * the admin API would be off and the edge could not be given keys or node tokens. DATA_KEY: see
 * resolveDataKey.
 */
export async function resolveSecrets(sources: SecretSources): Promise<ResolvedSecrets> {
  const warnings: string[] = [];
  const values: Record<string, string> =
    sources.secretsFile === undefined
      ? {}
      : parseSecretsFile(
          await readSecretFile(sources.secretsFile, '--secrets-file', warnings),
          sources.secretsFile,
        );
  let token: string | undefined;
  let from: string;
  if (sources.adminTokenFile !== undefined) {
    token = (await readSecretFile(sources.adminTokenFile, '--admin-token-file', warnings)).replace(
      /\r?\n$/,
      '',
    );
    from = `--admin-token-file ${sources.adminTokenFile}`;
  } else if (sources.env['PROXIMA_ADMIN_TOKEN'] !== undefined) {
    token = sources.env['PROXIMA_ADMIN_TOKEN'];
    from = 'PROXIMA_ADMIN_TOKEN';
  } else {
    token = values['ADMIN_TOKEN'];
    from = `ADMIN_TOKEN in --secrets-file ${sources.secretsFile ?? ''}`;
  }
  if (token === undefined || token === '') {
    throw new EdgeServeError(`no admin token: ${TOKEN_HELP}.`);
  }
  if (token.length < ADMIN_TOKEN_MIN_CHARS || /\s/.test(token)) {
    throw new EdgeServeError(
      `the admin token from ${from} has ${token.length} characters${/\s/.test(token) ? ' and white space' : ''}; ` +
        `the edge needs at least ${ADMIN_TOKEN_MIN_CHARS} without spaces (a shorter one turns the admin API off).`,
    );
  }
  const [dataKey, dataKeyFrom] = await resolveDataKey(sources, values['DATA_KEY'], warnings);
  return {
    values: { ...values, ADMIN_TOKEN: token, DATA_KEY: dataKey },
    adminTokenFrom: from,
    dataKeyFrom,
    warnings,
  };
}
