// The Function App's settings, read once from its environment (app settings in Azure, env vars
// locally) and checked, so a bad deployment fails with the setting's name instead of later with an
// SDK's words. Names follow Azure's where Azure has one (AzureWebJobsStorage and its
// identity-based `__accountName` form).
import { BURST_LIMITS } from '@proxima/core/jobs';
import { MODEL_ID_PATTERN, MODEL_ID_RULE } from '@proxima/core/protocol';
import { parseEpChoice, type EpChoice } from '@proxima/local-node/execution-providers';

export type StorageSettings =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      /** Microsoft Entra auth with DefaultAzureCredential (a managed identity in Azure). */
      readonly kind: 'identity';
      readonly blobUrl: string;
      readonly queueUrl: string;
      readonly tableUrl: string;
      /** A user-assigned identity's client id; null: the system-assigned one or the default chain. */
      readonly clientId: string | null;
    };

export interface FoundrySettings {
  /** e.g. https://RESOURCE.openai.azure.com/openai/v1/ (always ends in '/'). */
  readonly endpoint: string;
  /** null: a Microsoft Entra token from DefaultAzureCredential. */
  readonly apiKey: string | null;
  /** The client's model id → the Foundry deployment serving it. */
  readonly deployments: ReadonlyMap<string, string>;
}

export interface FunctionsConfig {
  readonly storage: StorageSettings;
  /** The HMAC secret shared with the edge. */
  readonly burstSecret: string;
  /** null: no Foundry; chat, vision and transcription jobs fail saying so. */
  readonly foundry: FoundrySettings | null;
  readonly ocrEp: EpChoice;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const FOUNDRY_SCOPE = 'https://cognitiveservices.azure.com/.default';

const STORAGE = 'AzureWebJobsStorage';
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/** The settings in `env`, or an Error naming the first missing or bad one. */
export function parseConfig(env: Env): FunctionsConfig {
  return {
    storage: parseStorage(env),
    burstSecret: parseSecret(env),
    foundry: parseFoundry(env),
    ocrEp: parseOcrEp(env),
  };
}

export function loadConfig(): FunctionsConfig {
  return parseConfig(process.env);
}

function setting(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? null : value;
}

function bad(name: string, why: string): Error {
  return new Error(`app setting ${name} ${why}`);
}

function parseStorage(env: Env): StorageSettings {
  const connectionString = setting(env, STORAGE);
  if (connectionString !== null) {
    checkConnectionString(connectionString);
    return { kind: 'connectionString', connectionString };
  }
  const accountName = setting(env, `${STORAGE}__accountName`);
  const credential = setting(env, `${STORAGE}__credential`);
  if (credential !== null && credential.toLowerCase() !== 'managedidentity')
    throw bad(`${STORAGE}__credential`, `must be 'managedidentity' (it is '${credential}')`);
  if (accountName !== null && !ACCOUNT_NAME.test(accountName))
    throw bad(`${STORAGE}__accountName`, 'must be 3-24 lowercase letters and digits');
  const serviceUrl = (service: 'blob' | 'queue' | 'table'): string => {
    const name = `${STORAGE}__${service}ServiceUri`;
    const given = setting(env, name);
    if (given !== null) return httpsUrl(name, given);
    if (accountName === null)
      throw bad(
        STORAGE,
        `is missing: set it to a connection string, or set ${STORAGE}__accountName (or all of ${STORAGE}__blobServiceUri, __queueServiceUri and __tableServiceUri) for a managed identity`,
      );
    return `https://${accountName}.${service}.core.windows.net`;
  };
  return {
    kind: 'identity',
    blobUrl: serviceUrl('blob'),
    queueUrl: serviceUrl('queue'),
    tableUrl: serviceUrl('table'),
    clientId: setting(env, `${STORAGE}__clientId`),
  };
}

/** `Key=Value;...` with an account or endpoints: the SDKs' own parsers say little about a typo. */
function checkConnectionString(value: string): void {
  const keys = new Set<string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(STORAGE, 'is not a connection string (Key=Value;Key=Value;...)');
    keys.add(part.slice(0, eq).trim().toLowerCase());
  }
  const usable =
    keys.has('usedevelopmentstorage') ||
    keys.has('sharedaccesssignature') ||
    (keys.has('accountname') && keys.has('accountkey'));
  if (!usable)
    throw bad(
      STORAGE,
      'must hold AccountName and AccountKey (or a SharedAccessSignature, or UseDevelopmentStorage=true)',
    );
}

function parseSecret(env: Env): string {
  const name = 'PROXIMA_BURST_SECRET';
  const secret = env[name];
  if (secret === undefined || secret === '') throw bad(name, 'is missing');
  if (secret.length < BURST_LIMITS.secretMinChars)
    throw bad(
      name,
      `must be at least ${BURST_LIMITS.secretMinChars} characters (it has ${secret.length})`,
    );
  return secret;
}

function parseFoundry(env: Env): FoundrySettings | null {
  const endpoint = setting(env, 'FOUNDRY_ENDPOINT');
  const deployments = setting(env, 'FOUNDRY_DEPLOYMENTS');
  const apiKey = setting(env, 'FOUNDRY_API_KEY');
  if (endpoint === null) {
    if (deployments !== null) throw bad('FOUNDRY_DEPLOYMENTS', 'is set without FOUNDRY_ENDPOINT');
    if (apiKey !== null) throw bad('FOUNDRY_API_KEY', 'is set without FOUNDRY_ENDPOINT');
    return null;
  }
  if (deployments === null)
    throw bad(
      'FOUNDRY_DEPLOYMENTS',
      'is missing: name model=deployment pairs for FOUNDRY_ENDPOINT',
    );
  return {
    endpoint: withSlash(foundryUrl(endpoint)),
    apiKey,
    deployments: parseDeployments(deployments),
  };
}

/** `model=deployment,model=deployment`: which client model ids Foundry serves, and how. */
export function parseDeployments(value: string): ReadonlyMap<string, string> {
  const name = 'FOUNDRY_DEPLOYMENTS';
  const map = new Map<string, string>();
  for (const pair of value.split(',')) {
    const [model, deployment, extra] = pair.split('=').map((s) => s.trim());
    if (model === undefined || deployment === undefined || extra !== undefined)
      throw bad(name, `has '${pair.trim()}' where model=deployment belongs`);
    for (const id of [model, deployment])
      if (!MODEL_ID_PATTERN.test(id)) throw bad(name, `has '${id}': ids must be ${MODEL_ID_RULE}`);
    if (map.has(model)) throw bad(name, `names model '${model}' twice`);
    map.set(model, deployment);
  }
  return map;
}

function parseOcrEp(env: Env): EpChoice {
  const value = setting(env, 'OCR_EP') ?? 'auto';
  try {
    return parseEpChoice(value);
  } catch (err) {
    throw bad('OCR_EP', `is bad: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseUrl(name: string, value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw bad(name, `is not a URL: '${value}'`);
  }
}

function httpsUrl(name: string, value: string): string {
  const url = parseUrl(name, value);
  if (url.protocol !== 'https:') throw bad(name, 'must be an https URL');
  return url.href.replace(/\/$/, '');
}

/** https, or http to this machine only: a local node standing in for Foundry. */
function foundryUrl(value: string): string {
  const name = 'FOUNDRY_ENDPOINT';
  const url = parseUrl(name, value);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw bad(name, 'must be an https URL (http only to localhost)');
  if (url.search !== '' || url.hash !== '')
    throw bad(name, 'must have no query (the v1 API takes no api-version)');
  return url.href;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
