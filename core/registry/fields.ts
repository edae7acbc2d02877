// The field schemas that commands and snapshots share: one rule per kind of value.
import * as z from 'zod';
import { rateLimitsSchema, toRateLimits } from '../limits/schema.ts';
import {
  ID_PATTERN,
  ID_RULE,
  LABEL_PATTERN,
  LABEL_RULE,
  MODEL_ID_PATTERN,
  MODEL_ID_RULE,
  quote,
} from '../protocol/limits.ts';
import { KEY_ID_PATTERN, SHA256_HEX_PATTERN, TOKEN_ID_PATTERN } from './ids.ts';

/** What an API key may be used for: each scope guards routes (chat completions, the model list). */
export const SCOPES = ['chat', 'models'] as const;
export type Scope = (typeof SCOPES)[number];
export const DEFAULT_SCOPES: readonly Scope[] = ['chat', 'models'];

/** The cache-epoch scope that covers every tenant. */
export const ALL_TENANTS = '*';

export const hashField = z
  .string()
  .regex(SHA256_HEX_PATTERN, 'must be a SHA-256 as 64 lowercase hex digits');
export const keyIdField = z.string().regex(KEY_ID_PATTERN, 'must be key_ and 12 hex digits');
export const tokenIdField = z.string().regex(TOKEN_ID_PATTERN, 'must be ntk_ and 12 hex digits');
export const labelField = z.string().regex(LABEL_PATTERN, `must be ${LABEL_RULE}`);
export const idField = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
export const modelIdField = z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`);
/** Milliseconds since the epoch, as the proposer's clock read them. */
export const timeField = z.number().int('must be an integer').min(0).max(Number.MAX_SAFE_INTEGER);
export const durationField = timeField;
export const limitsField = rateLimitsSchema.transform(toRateLimits);
export const cacheScopeField = z.union([z.literal(ALL_TENANTS), labelField], {
  error: `must be '${ALL_TENANTS}' or a tenant name (${LABEL_RULE})`,
});

/** Scopes are kept in SCOPES order, so equal sets are stored (and snapshot) equally. */
export const scopesField = z
  .array(z.enum(SCOPES))
  .min(1, 'must grant at least one scope')
  .max(SCOPES.length)
  .refine((given) => new Set(given).size === given.length, 'must not name a scope twice')
  .transform((given): Scope[] => SCOPES.filter((s) => given.includes(s)));

/** Distinct items: a list that names one twice is a mistake, not a shorthand. */
export function distinct<T extends z.ZodType<string>>(item: T, max: number): z.ZodArray<T> {
  return z
    .array(item)
    .min(1, 'must not be empty')
    .max(max)
    .refine((items) => new Set(items).size === items.length, 'must not name an item twice');
}

/** A value that failed validation, as an error message may show it (strings quoted and clipped). */
export function shown(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;
}
