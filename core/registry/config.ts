// The settings that live in the replicated registry. Deliberately few: each one is read by code on
// the hot path and changing it must reach every isolate through the log. Add one by adding an
// entry here with its schema, its default and what it bounds.
import * as z from 'zod';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A setting as the log and the state hold it. */
export type JsonValue = z.output<ReturnType<typeof z.json>>;

/** Each setting's type. */
export interface ConfigValues {
  readonly 'models.memoryMs': number;
  readonly 'models.pruneAfterMs': number;
}

export type ConfigKey = keyof ConfigValues;
export type ConfigValue<K extends ConfigKey> = ConfigValues[K];

export interface Setting<T> {
  readonly schema: z.ZodType<T>;
  /** In force until config.set changes it, and again after config.set puts null. */
  readonly fallback: T;
  readonly doc: string;
}

const ms = (max: number) =>
  z
    .number('must be a number of milliseconds')
    .int('must be an integer')
    .min(0, 'must not be negative')
    .max(max, `must be at most ${max} ms`);

export const CONFIG: { readonly [K in ConfigKey]: Setting<ConfigValues[K]> } = {
  'models.memoryMs': {
    schema: ms(30 * DAY),
    fallback: 10 * MINUTE,
    doc:
      'How long a model that no connected node serves stays known (503 and retry) before it is ' +
      'unknown (404).',
  },
  'models.pruneAfterMs': {
    schema: ms(365 * DAY),
    fallback: DAY,
    doc:
      'A model that no enrolled node has served for this long leaves the catalogue (the edge ' +
      'proposes the pruning at most once an hour, when a node connects).',
  },
};
export const CONFIG_KEYS = Object.keys(CONFIG) as [ConfigKey, ...ConfigKey[]];

/** Why `value` is not a valid setting for `key`, or null when it is. */
export function configProblem(key: ConfigKey, value: unknown): string | null {
  const parsed = CONFIG[key].schema.safeParse(value);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'invalid value');
}
