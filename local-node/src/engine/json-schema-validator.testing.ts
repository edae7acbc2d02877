/** ajv (draft 2020-12, with formats) for tests: does a value match a JSON Schema? */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '@proxima/core/protocol';

// ajv-formats is CommonJS: its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export function schemaValidator(): (schema: JsonSchema, value: unknown) => string | null {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: false, validateFormats: true }));
  return (schema, value) => {
    const validate = ajv.compile(schema);
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}
