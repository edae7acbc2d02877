/** Validation of createOpenAiCompatEngine's options, with errors an operator can act on. */
import { MODEL_CAPABILITIES, type ModelCapability } from '@proxima/core/protocol';
import type { Logger } from '../../agent/log.ts';

export interface OpenAiCompatEngineOptions {
  /** The server's OpenAI base URL, `/v1` included, e.g. `http://127.0.0.1:1234/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; without it no Authorization header is sent. */
  readonly apiKey?: string;
  /** Serve only these models (the server's names); one the server lacks fails startup. */
  readonly models?: readonly string[];
  /** Tokens of context for a model whose listing does not say; else 4096 is assumed. */
  readonly contextSize?: number;
  /**
   * What the operator vouches the server does for its models (a wrong claim turns into server
   * errors). A Proxima server's own announcements (`proxima.capabilities`) are added to these.
   */
  readonly capabilities?: readonly ModelCapability[];
  /** Generations (and embedding requests) in flight at once; the rest wait. Defaults to 4. */
  readonly slots?: number;
  /** Put before each model id, so two servers' models cannot collide (e.g. `lms/`). */
  readonly idPrefix?: string;
  readonly log?: Logger;
}

export interface ValidatedOpenAiCompatOptions {
  /** Without a trailing slash. */
  readonly baseUrl: string;
  /** The base URL without user info, for messages and logs. */
  readonly shownUrl: string;
  readonly apiKey: string | undefined;
  readonly models: readonly string[] | undefined;
  readonly contextSize: number | undefined;
  readonly capabilities: readonly ModelCapability[];
  readonly slots: number;
  readonly idPrefix: string;
}

export const DEFAULT_SLOTS = 4;
const MAX_SLOTS = 1024;
/** The characters a model id may hold (MODEL_ID_PATTERN), a prefix being part of one. */
const PREFIX_PATTERN = /^[A-Za-z0-9._:/@+-]{1,64}$/;

const fail = (message: string): never => {
  throw new Error(`openai-compatible engine: ${message}`);
};

function positiveInt(name: string, value: number | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    fail(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  return value;
}

function baseUrlOf(value: unknown): URL {
  if (typeof value !== 'string' || value.trim() === '') return fail('baseUrl is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`baseUrl is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(`baseUrl must be http(s), got ${JSON.stringify(value)}`);
  if (url.search !== '' || url.hash !== '')
    fail(`baseUrl must not carry a query or fragment, got ${JSON.stringify(value)}`);
  return url;
}

export function validateOpenAiCompatOptions(
  options: OpenAiCompatEngineOptions,
): ValidatedOpenAiCompatOptions {
  const url = baseUrlOf(options.baseUrl);
  const baseUrl = url.href.replace(/\/+$/, '');
  const shown = new URL(baseUrl);
  shown.username = '';
  shown.password = '';
  const capabilities = options.capabilities ?? [];
  for (const c of capabilities)
    if (!(MODEL_CAPABILITIES as readonly string[]).includes(c))
      fail(`unknown capability ${JSON.stringify(c)}; known: ${MODEL_CAPABILITIES.join(', ')}`);
  const idPrefix = options.idPrefix ?? '';
  if (idPrefix !== '' && !PREFIX_PATTERN.test(idPrefix))
    fail(`idPrefix must be 1-64 characters of A-Z a-z 0-9 . _ : / @ + -, got ${idPrefix}`);
  if (options.models?.length === 0) fail('models, when given, must name at least one model');
  if (options.apiKey === '') fail('apiKey, when given, must not be empty');
  return {
    baseUrl,
    shownUrl: shown.href.replace(/\/+$/, ''),
    apiKey: options.apiKey,
    models: options.models === undefined ? undefined : [...new Set(options.models)],
    contextSize: positiveInt('contextSize', options.contextSize, 1 << 30),
    capabilities: [...new Set(capabilities)],
    slots: positiveInt('slots', options.slots, MAX_SLOTS) ?? DEFAULT_SLOTS,
    idPrefix,
  };
}
