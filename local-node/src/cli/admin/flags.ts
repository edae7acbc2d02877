import { LIMIT_MAXIMUMS, type LimitName, type UsageGroup } from '@proxima/core/limits';
import { LABEL_PATTERN, LABEL_RULE } from '@proxima/core/protocol';
import { SCOPES, type Scope } from '@proxima/core/registry';
import { InvalidArgumentError } from 'commander';
import { intInRange } from '../parse.ts';

/** Flag parsers of `proxima admin`: each rejects locally what the edge would refuse. */

export function label(value: string): string {
  if (!LABEL_PATTERN.test(value))
    throw new InvalidArgumentError(`expected ${LABEL_RULE}, got '${value}'.`);
  return value;
}

/** Ids the edge shows: `key_` or `ntk_` and the first 12 hex digits of the secret's hash. */
export function credentialId(prefix: 'key' | 'ntk'): (value: string) => string {
  const pattern = new RegExp(`^${prefix}_[0-9a-f]{12}$`);
  return (value) => {
    if (!pattern.test(value))
      throw new InvalidArgumentError(
        `expected an id such as ${prefix}_0123456789ab (from 'list'), got '${value}'.`,
      );
    return value;
  };
}

const DURATION = /^(\d{1,4})([mhd])$/;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "24h", "7d" (the durations the edge's `since` takes), in milliseconds. */
export function durationMs(value: string): number {
  const [, count, unit = ''] = DURATION.exec(value) ?? [];
  const unitMs = UNIT_MS[unit];
  if (count === undefined || unitMs === undefined)
    throw new InvalidArgumentError(
      `expected a duration such as 30m, 24h or 7d (up to 4 digits), got '${value}'.`,
    );
  return Number(count) * unitMs;
}

/** A duration as given, once checked: the edge's `since` takes it as is. */
export function duration(value: string): string {
  durationMs(value);
  return value;
}

/** An ISO 8601 time or milliseconds since the epoch, as the edge parses them, in milliseconds. */
export function timeMs(value: string): number {
  const ms = value.length > 40 ? NaN : /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(
      `expected an ISO 8601 time such as 2025-01-31T00:00:00Z or milliseconds since the epoch, got '${value}'.`,
    );
  return ms;
}

/** A time as given, once checked: the edge's `from`/`to` take it as is. */
export function time(value: string): string {
  timeMs(value);
  return value;
}

/** "chat,models": what an API key may call. In SCOPES order, as the edge stores them. */
export function scopes(value: string): Scope[] {
  const given = value.split(',').map((part) => part.trim());
  if (!given.every((part) => (SCOPES as readonly string[]).includes(part)))
    throw new InvalidArgumentError(
      `expected a comma-separated list of ${SCOPES.join(', ')} (at least one), got '${value}'.`,
    );
  const twice = given.find((part, i) => given.indexOf(part) !== i);
  if (twice !== undefined)
    throw new InvalidArgumentError(
      `'${twice}' is named twice in '${value}'; name each scope once.`,
    );
  return SCOPES.filter((scope) => given.includes(scope));
}

export const USAGE_GROUPS = ['key', 'model', 'backend', 'hour'] as const satisfies UsageGroup[];

export function groupBy(value: string): UsageGroup[] {
  const groups: UsageGroup[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    const group = USAGE_GROUPS.find((g) => g === part);
    if (!group)
      throw new InvalidArgumentError(
        `expected a comma-separated list of ${USAGE_GROUPS.join(', ')}, got '${value}'.`,
      );
    if (!groups.includes(group)) groups.push(group);
  }
  return groups;
}

/** The limit flags, one row per limit the edge knows: `flag` on the command line, `key` in opts. */
export const LIMIT_FLAGS = [
  { flag: 'rpm', key: 'rpm', name: 'requestsPerMinute', help: 'requests per minute' },
  { flag: 'tpm', key: 'tpm', name: 'tokensPerMinute', help: 'tokens per minute' },
  {
    flag: 'concurrency',
    key: 'concurrency',
    name: 'concurrentRequests',
    help: 'requests in flight at once',
  },
  {
    flag: 'tokens-per-day',
    key: 'tokensPerDay',
    name: 'tokensPerDay',
    help: 'tokens per UTC day',
  },
  {
    flag: 'tokens-per-month',
    key: 'tokensPerMonth',
    name: 'tokensPerMonth',
    help: 'tokens per UTC month',
  },
] as const satisfies readonly {
  flag: string;
  key: string;
  name: LimitName;
  help: string;
}[];

export type LimitFlagKey = (typeof LIMIT_FLAGS)[number]['key'];

/**
 * What the limit flags parse to: a number sets a limit, 'none' removes it. (Not null: commander
 * turns a parser's null into ''.)
 */
export type LimitOptions = { readonly [K in LimitFlagKey]?: number | 'none' };

export function limitValue(
  name: LimitName,
  allowNone: boolean,
): (value: string) => number | 'none' {
  const count = intInRange(1, LIMIT_MAXIMUMS[name]);
  return (value) => {
    if (allowNone && value === 'none') return 'none';
    try {
      return count(value);
    } catch (err) {
      if (!allowNone || !(err instanceof InvalidArgumentError)) throw err;
      throw new InvalidArgumentError(
        `expected an integer from 1 to ${LIMIT_MAXIMUMS[name]}, or 'none' to remove the limit, got '${value}'.`,
      );
    }
  };
}

/** The `limits` object the edge takes, from the limit flags that were given: null removes a limit. */
export function limitsPatch(options: LimitOptions): { [K in LimitName]?: number | null } {
  const out: { [K in LimitName]?: number | null } = {};
  for (const { key, name } of LIMIT_FLAGS) {
    const value = options[key];
    if (value !== undefined) out[name] = value === 'none' ? null : value;
  }
  return out;
}
