import type * as z from 'zod';
import { ProximaError } from './errors.ts';

/** "messages[0].content" from a zod issue path: the field an operator should look at. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Parses with a schema; the first issue becomes a 400 naming the failing field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // A path or a message can carry the caller's own key names: keep both short.
  const param = clip(issue ? formatPath(issue.path) : '', 128);
  const where = param === '' ? what : `'${param}'`;
  throw new ProximaError(
    'invalid_request',
    `Invalid ${where}: ${clip(issue?.message ?? 'invalid value', 200)}.`,
    param === '' ? {} : { param },
  );
}
