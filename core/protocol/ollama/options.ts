// Ollama's `options` (its Modelfile parameters): each one honoured (mapped onto the OpenAI field
// parseChatRequest validates) or refused with a 400 naming `options.<name>`, never dropped.
import { ProximaError } from '../errors.ts';

/** Options mapped onto OpenAI's chat fields, one for one. */
const MAPPED = {
  temperature: 'temperature',
  top_p: 'top_p',
  seed: 'seed',
  stop: 'stop',
  frequency_penalty: 'frequency_penalty',
  presence_penalty: 'presence_penalty',
} as const;

const SAMPLER = 'the request type has no such sampler setting, and not every backend has one';
const LOADING =
  "it sets how a model is loaded, which each node's operator decides (proxima node flags)";

/** Options that cannot be honoured on every backend, and why; a value is refused when present. */
export const REFUSED_OPTIONS: Readonly<Record<string, string>> = {
  top_k: SAMPLER,
  min_p: SAMPLER,
  typical_p: SAMPLER,
  tfs_z: SAMPLER,
  repeat_penalty: `${SAMPLER}; use options.frequency_penalty or options.presence_penalty`,
  repeat_last_n: SAMPLER,
  penalize_newline: SAMPLER,
  mirostat: SAMPLER,
  mirostat_tau: SAMPLER,
  mirostat_eta: SAMPLER,
  num_keep: 'nodes do not shift the context: a prompt that does not fit is refused',
  numa: LOADING,
  num_batch: LOADING,
  num_gpu: LOADING,
  main_gpu: LOADING,
  low_vram: LOADING,
  f16_kv: LOADING,
  logits_all: LOADING,
  vocab_only: LOADING,
  use_mmap: LOADING,
  use_mlock: LOADING,
  num_thread: LOADING,
  embedding_only: LOADING,
};

/** The honoured options, as the README lists them. */
export const HONOURED_OPTIONS = [...Object.keys(MAPPED), 'num_predict', 'num_ctx'] as const;

export interface MappedOptions {
  /** OpenAI chat fields (temperature, top_p, seed, stop, penalties, max_tokens). */
  readonly fields: Record<string, unknown>;
  /** `num_ctx`: the context the client expects; checked against what backends hold. */
  readonly numCtx: number | null;
}

function refused(name: string, why: string): ProximaError {
  return new ProximaError('unsupported_parameter', `'options.${name}' is not supported: ${why}.`, {
    param: `options.${name}`,
  });
}

function invalid(name: string, why: string): ProximaError {
  return new ProximaError('invalid_request', `Invalid 'options.${name}': ${why}.`, {
    param: `options.${name}`,
  });
}

/**
 * The options object as OpenAI fields. Null values count as absent (Ollama skips them too);
 * values are validated by parseChatRequest, whose errors name `options.<name>` (params.ts).
 */
export function mapOptions(options: unknown): MappedOptions {
  if (options === undefined || options === null) return { fields: {}, numCtx: null };
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ProximaError('invalid_request', `Invalid 'options': must be an object.`, {
      param: 'options',
    });
  const fields: Record<string, unknown> = {};
  let numCtx: number | null = null;
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (Object.hasOwn(MAPPED, name)) {
      // Ollama takes a single stop string as well as a list.
      fields[MAPPED[name as keyof typeof MAPPED]] = value;
    } else if (name === 'num_predict') {
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw invalid(name, 'must be an integer');
      // -1 (no limit) and -2 (fill the context) both end at the context's end: no max_tokens.
      if (value !== -1 && value !== -2) fields['max_tokens'] = value;
    } else if (name === 'num_ctx') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        throw invalid(name, 'must be a positive integer');
      numCtx = value;
    } else if (Object.hasOwn(REFUSED_OPTIONS, name)) {
      throw refused(name, REFUSED_OPTIONS[name]!);
    } else {
      throw refused(name, 'it is not an Ollama option this API knows');
    }
  }
  return { fields, numCtx };
}
