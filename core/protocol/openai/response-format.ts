// `response_format`: free text, any JSON object, or JSON matching a schema. The last two are
// enforced by the engine's grammar, so the output always parses (and validates), even on a model
// with random weights.
import * as z from 'zod';
import { assertEnforceableSchema, type JsonSchema } from './json-schema.ts';

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: JsonSchema };

export const wireResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -'),
      description: z.string().max(8192).optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/**
 * The normalised format. A json_schema is enforced whether or not `strict` is set (the grammar
 * makes it exact either way); a schema without a body means any JSON object.
 */
export function responseFormatOf(
  wire: z.infer<typeof wireResponseFormat> | null | undefined,
): ResponseFormat {
  if (wire == null || wire.type === 'text') return { type: 'text' };
  if (wire.type === 'json_object') return { type: 'json_object' };
  const schema = wire.json_schema.schema ?? { type: 'object' };
  assertEnforceableSchema(schema, 'response_format.json_schema.schema');
  return { type: 'json_schema', name: wire.json_schema.name, schema };
}
