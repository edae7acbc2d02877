/** createOllamaEngine's options, validated with errors an operator can act on. */
import type { Logger } from '../../agent/log.ts';

export interface OllamaEngineOptions {
  /** The Ollama server, e.g. "http://127.0.0.1:11434" (http:// is assumed when absent). */
  readonly host: string;
  /** Serve only these models (as Ollama names them); one the server lacks fails startup. */
  readonly models?: readonly string[];
  /**
   * Concurrent generations the node sends. Ollama does not report its own parallelism
   * (OLLAMA_NUM_PARALLEL), so the default is 1.
   */
  readonly slots?: number;
  /**
   * The context to run every model with, sent as options.num_ctx and announced (capped by
   * the model's own). Absent: the model's own context is announced and none is sent.
   */
  readonly contextSize?: number;
  /** Ollama's keep_alive for every request: seconds, or a duration such as "30m". */
  readonly keepAlive?: string | number;
  /** Put before every model id, so two servers' models cannot collide ("gpu1/"). */
  readonly idPrefix?: string;
  readonly log?: Logger;
  /** Makes tool call ids (Ollama gives none); defaults to "call_" and 24 random hex digits. */
  readonly newCallId?: () => string;
}

export interface ValidatedOllamaOptions {
  /** Normalised: scheme, host and port, no trailing slash. */
  readonly host: string;
  readonly models: readonly string[] | undefined;
  readonly slots: number | undefined;
  readonly contextSize: number | undefined;
  readonly keepAlive: string | number | undefined;
  readonly idPrefix: string;
}

function fail(message: string): never {
  throw new Error(`ollama engine: ${message}`);
}

function positiveInt(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1)
    fail(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** "127.0.0.1:11434" → "http://127.0.0.1:11434"; only http and https URLs. */
export function normaliseHost(host: string): string {
  if (typeof host !== 'string' || host.trim() === '') fail('host is required');
  const text = host.includes('://') ? host.trim() : `http://${host.trim()}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(`host must be a URL such as http://127.0.0.1:11434, got ${JSON.stringify(host)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(`host must be an http or https URL, got ${JSON.stringify(host)}`);
  if (url.search !== '' || url.hash !== '')
    fail(`host must not carry a query or fragment, got ${JSON.stringify(host)}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export function validateOllamaOptions(options: OllamaEngineOptions): ValidatedOllamaOptions {
  const models = options.models;
  if (models !== undefined) {
    if (models.length === 0) fail('models, when given, must name at least one model');
    for (const name of models)
      if (typeof name !== 'string' || name.trim() === '')
        fail(`models must be non-empty names, got ${JSON.stringify(name)}`);
  }
  const keepAlive = options.keepAlive;
  if (typeof keepAlive === 'number' && !Number.isFinite(keepAlive))
    fail(`keepAlive must be a finite number of seconds, got ${keepAlive}`);
  // A string is a Go duration, as Ollama parses it: "30m", "1h30m", "-1s" (forever), "0".
  if (typeof keepAlive === 'string' && !/^(0|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/.test(keepAlive))
    fail(`keepAlive must be seconds or a duration such as "30m", got ${JSON.stringify(keepAlive)}`);
  return {
    host: normaliseHost(options.host),
    models: models?.map((m) => m.trim()),
    slots: positiveInt('slots', options.slots),
    contextSize: positiveInt('contextSize', options.contextSize),
    keepAlive,
    idPrefix: options.idPrefix ?? '',
  };
}
