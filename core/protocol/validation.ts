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

/** Parses with a schema; the first issue becomes a 400 naming the failing field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? formatPath(issue.path) : '';
  const where = param === '' ? what : `'${param}'`;
  throw new ProximaError(
    'invalid_request',
    `Invalid ${where}: ${issue?.message ?? 'invalid value'}.`,
    {
      ...(param === '' ? {} : { param }),
    },
  );
}
