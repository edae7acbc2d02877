import { DATA_KEY_MIN_CHARS, ProximaError } from '@proxima/core/protocol';
import type { Env } from '../env.ts';

/** The secrets tenant keys are derived from: `current` seals and opens, `previous` only opens. */
export interface DataKeys {
  readonly current: string;
  readonly previous?: string;
}

const HOW_TO_SET =
  `set the DATA_KEY secret to at least ${DATA_KEY_MIN_CHARS} random characters ` +
  '(`wrangler secret put DATA_KEY`; `proxima dev` and `proxima edge serve` make and keep one)';

function checked(name: 'DATA_KEY' | 'DATA_KEY_PREVIOUS', value: string): string {
  if (value.length < DATA_KEY_MIN_CHARS) {
    throw new ProximaError(
      'service_unavailable',
      `Encryption at rest is not configured: ${name} has ${value.length} characters, fewer than ${DATA_KEY_MIN_CHARS}; ${HOW_TO_SET}.`,
    );
  }
  return value;
}

/**
 * The DATA_KEY secret, or a 503 telling the operator what to set: RAG and the semantic cache
 * refuse to work rather than store plaintext.
 */
export function dataKeyOf(env: Pick<Env, 'DATA_KEY'>): string {
  if (env.DATA_KEY === undefined || env.DATA_KEY === '') {
    throw new ProximaError(
      'service_unavailable',
      `Encryption at rest is not configured: DATA_KEY is not set; ${HOW_TO_SET}.`,
    );
  }
  return checked('DATA_KEY', env.DATA_KEY);
}

/** DATA_KEY and, during a rotation, DATA_KEY_PREVIOUS (held to the same length rule). */
export function dataKeysOf(env: Pick<Env, 'DATA_KEY' | 'DATA_KEY_PREVIOUS'>): DataKeys {
  const current = dataKeyOf(env);
  const previous = env.DATA_KEY_PREVIOUS;
  if (previous === undefined || previous === '') return { current };
  return { current, previous: checked('DATA_KEY_PREVIOUS', previous) };
}
