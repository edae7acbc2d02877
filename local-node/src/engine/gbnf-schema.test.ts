import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unenforceableSchemaPart, type JsonSchema } from '@proxima/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { collectGeneration, engineRequest } from './engine.case.ts';
import type { Engine } from './engine.ts';
import { toGbnfJsonSchema, UnenforceableSchemaError } from './gbnf-schema.ts';
import { schemaValidator } from './json-schema-validator.testing.ts';
import { createLlamaEngine } from './llama-engine.ts';
import { strictGbnf } from './llama-grammar.ts';

const ANY = toGbnfJsonSchema({});

describe('toGbnfJsonSchema', () => {
  it('turns anyOf into oneOf, {} and true into any value, type lists into a union', () => {
    expect(toGbnfJsonSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({
      oneOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(ANY).toEqual({
      oneOf: [
        { type: ['string', 'number', 'boolean', 'null'] },
        { type: 'object', additionalProperties: true },
        { type: 'array' },
      ],
    });
    expect(
      toGbnfJsonSchema({ type: 'object', properties: { a: true, b: { description: 'x' } } }),
    ).toEqual({ type: 'object', properties: { a: ANY, b: ANY } });
    expect(toGbnfJsonSchema({ type: ['string', 'integer', 'null'] })).toEqual({
      type: ['string', 'integer', 'null'],
    });
  });

  it('moves definitions to the root $defs and keeps references (recursion too)', () => {
    const tree = {
      type: 'object',
      properties: {
        value: { type: 'integer' },
        next: { anyOf: [{ $ref: '#/definitions/node' }, { type: 'null' }] },
      },
      definitions: { node: { $ref: '#/$defs/leaf' } },
      $defs: { leaf: { type: 'object', properties: { v: { type: 'boolean' } } } },
    };
    expect(toGbnfJsonSchema(tree)).toEqual({
      type: 'object',
      properties: {
        value: { type: 'integer' },
        next: { oneOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] },
      },
      $defs: {
        leaf: { type: 'object', properties: { v: { type: 'boolean' } } },
        node: { $ref: '#/$defs/leaf' },
      },
    });
    const list = {
      $defs: {
        item: {
          type: 'object',
          properties: { rest: { anyOf: [{ $ref: '#/$defs/item' }, { type: 'null' }] } },
        },
      },
      $ref: '#/$defs/item',
    };
    expect(toGbnfJsonSchema(list)).toEqual({
      oneOf: [{ $ref: '#/$defs/item' }],
      $defs: {
        item: {
          type: 'object',
          properties: { rest: { oneOf: [{ $ref: '#/$defs/item' }, { type: 'null' }] } },
        },
      },
    });
  });

  it('merges keywords beside oneOf/anyOf/$ref into each alternative', () => {
    expect(
      toGbnfJsonSchema({ type: 'string', anyOf: [{ maxLength: 3 }, { enum: ['long one', 7] }] }),
    ).toEqual({ oneOf: [{ type: 'string', maxLength: 3 }, { const: 'long one' }] });
    expect(
      toGbnfJsonSchema({
        $defs: { s: { type: 'string' } },
        type: 'object',
        properties: { a: { $ref: '#/$defs/s', maxLength: 2 } },
      }),
    ).toEqual({ type: 'object', properties: { a: { type: 'string', maxLength: 2 } } });
  });

  it('keeps only oneOf branches that provably exclude the others', () => {
    const pet = {
      oneOf: [
        {
          type: 'object',
          properties: { kind: { const: 'cat' }, lives: { type: 'integer' } },
          required: ['kind'],
        },
        { type: 'object', properties: { kind: { const: 'dog' } }, required: ['kind'] },
      ],
    };
    expect(toGbnfJsonSchema(pet)).toEqual({
      oneOf: [
        { type: 'object', properties: { kind: { const: 'cat' }, lives: { type: 'integer' } } },
        { type: 'object', properties: { kind: { const: 'dog' } } },
      ],
    });
    // Every integer is a number: the integer branch always matches both, the number one may.
    expect(() => toGbnfJsonSchema({ oneOf: [{ type: 'number' }, { type: 'integer' }] })).toThrow(
      UnenforceableSchemaError,
    );
    expect(toGbnfJsonSchema({ oneOf: [{ type: 'string' }, { type: 'number' }] })).toEqual({
      oneOf: [{ type: 'string' }, { type: 'number' }],
    });
  });

  it('writes a subset of the valid objects: all listed properties, within the bounds', () => {
    // Optional properties past maxProperties are left out; required ones come first.
    expect(
      toGbnfJsonSchema({
        type: 'object',
        properties: { a: { type: 'null' }, b: { type: 'null' }, c: { type: 'null' } },
        required: ['c'],
        maxProperties: 2,
      }),
    ).toEqual({ type: 'object', properties: { c: { type: 'null' }, a: { type: 'null' } } });
    // Extra properties only when minProperties asks, under names that cannot repeat a key.
    expect(
      toGbnfJsonSchema({
        type: 'object',
        properties: { extra_1: { type: 'null' } },
        additionalProperties: { type: 'boolean' },
        minProperties: 2,
      }),
    ).toEqual({
      type: 'object',
      properties: { extra_1: { type: 'null' }, extra_2: { type: 'boolean' } },
    });
    expect(toGbnfJsonSchema({ type: 'object', maxProperties: 3 })).toEqual({
      type: 'object',
      additionalProperties: true,
      maxProperties: 3,
    });
    expect(() =>
      toGbnfJsonSchema({ type: 'object', additionalProperties: false, minProperties: 1 }),
    ).toThrow(UnenforceableSchemaError);
  });

  it('bounds arrays by items: false and by maxItems over prefixItems', () => {
    expect(
      toGbnfJsonSchema({ type: 'array', prefixItems: [{ type: 'null' }, true], items: false }),
    ).toEqual({ type: 'array', prefixItems: [{ type: 'null' }, ANY], maxItems: 2 });
    expect(
      toGbnfJsonSchema({
        type: 'array',
        prefixItems: [{ type: 'null' }, { type: 'null' }],
        maxItems: 1,
      }),
    ).toEqual({ type: 'array', prefixItems: [{ type: 'null' }], maxItems: 1 });
  });

  it('filters const/enum by the other keywords, and refuses what admits nothing', () => {
    expect(toGbnfJsonSchema({ type: 'string', enum: ['a', 1, 'abcd'], maxLength: 3 })).toEqual({
      const: 'a',
    });
    expect(toGbnfJsonSchema({ type: 'number', enum: [1, 2.5, 'x'] })).toEqual({ enum: [1, 2.5] });
    expect(toGbnfJsonSchema({ type: 'integer', enum: [1, 2.5] })).toEqual({ const: 1 });
    expect(() => toGbnfJsonSchema({ type: 'string', const: 3 })).toThrow(UnenforceableSchemaError);
    expect(() =>
      toGbnfJsonSchema({ type: 'string', format: 'date', enum: ['2023-02-30'] }),
    ).toThrow(UnenforceableSchemaError);
  });
});

describe('strictGbnf', () => {
  it('allows only Unicode scalar values in strings, real dates and short exponents', () => {
    const gbnf = [
      String.raw`string-char-rule ::= [^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt]`,
      String.raw`integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?`,
      String.raw`fractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?`,
      String.raw`date ::= "\"" [0-9]{4} "-" ("0" [1-9] | "1" [012]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) "\""`,
    ].join('\n');
    const out = strictGbnf(gbnf);
    expect(out).not.toContain(String.raw`[^"\\\x7F\x00-\x1F]`);
    expect(out).toContain(String.raw`\x80-\uD7FF\uE000-\U0010FFFF`);
    expect(out).toContain(
      String.raw`integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})` + '\n',
    );
    expect(out).toContain(String.raw`([eE] [-+]? ("0" | [1-9] [0-9]?))?`);
    expect(out).toContain('date ::= "\\"" proxima-valid-date "\\""');
    expect(out).toMatch(/^proxima-leap-year ::= /m);
  });
});

/**
 * Every keyword core accepts (json-schema.ts), alone and combined. Strings are bounded where a
 * random-weight model would otherwise write for a long time before closing the quote.
 */
const CASES: ReadonlyArray<readonly [string, JsonSchema]> = [
  ['type string (bounded)', { type: 'string', maxLength: 12 }],
  ['type number', { type: 'number' }],
  ['type integer', { type: 'integer' }],
  ['type boolean and null list', { type: ['boolean', 'null'] }],
  ['const', { const: 'fixed' }],
  ['enum', { enum: ['red', 2, false, null] }],
  ['type with enum', { type: 'string', enum: ['a', 'b', 3] }],
  ['minLength/maxLength', { type: 'string', minLength: 3, maxLength: 6 }],
  [
    'format date',
    { type: 'array', items: { type: 'string', format: 'date' }, minItems: 6, maxItems: 6 },
  ],
  ['format time', { type: 'string', format: 'time' }],
  ['format date-time', { type: 'string', format: 'date-time' }],
  [
    'properties, required, additionalProperties false',
    {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        ok: { type: 'boolean' },
        tag: { type: 'string', maxLength: 4 },
      },
      required: ['id'],
      additionalProperties: false,
      title: 'annotated',
      description: 'd',
      default: {},
      examples: [{ id: 1 }],
      $comment: 'c',
      deprecated: false,
      readOnly: false,
      writeOnly: false,
    },
  ],
  [
    'additionalProperties schema with minProperties',
    {
      type: 'object',
      properties: { a: { type: 'null' } },
      additionalProperties: { type: 'boolean' },
      minProperties: 3,
    },
  ],
  [
    'free-form object with maxProperties',
    { type: 'object', maxProperties: 2, additionalProperties: { type: 'boolean' } },
  ],
  [
    'maxProperties drops optional ones',
    { type: 'object', properties: { a: { type: 'null' }, b: { type: 'null' } }, maxProperties: 1 },
  ],
  [
    'items with minItems/maxItems',
    { type: 'array', items: { type: 'boolean' }, minItems: 2, maxItems: 4 },
  ],
  [
    'prefixItems with items false',
    { type: 'array', prefixItems: [{ type: 'integer' }, { const: 'x' }], items: false },
  ],
  [
    'prefixItems then items',
    {
      type: 'array',
      prefixItems: [{ type: 'null' }],
      items: { type: 'boolean' },
      minItems: 3,
      maxItems: 3,
    },
  ],
  ['anyOf', { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 3 }] }],
  [
    'oneOf discriminated',
    {
      oneOf: [
        {
          type: 'object',
          properties: { kind: { const: 'a' }, n: { type: 'integer' } },
          required: ['kind', 'n'],
        },
        { type: 'object', properties: { kind: { const: 'b' } }, required: ['kind'] },
      ],
    },
  ],
  [
    '$defs and $ref, recursive',
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/tree',
      $defs: {
        node: {
          type: 'object',
          properties: {
            v: { type: 'boolean' },
            kids: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 1 },
          },
        },
      },
      $ref: '#/$defs/node',
    },
  ],
  [
    'definitions',
    {
      definitions: { flag: { type: 'boolean' } },
      type: 'object',
      properties: { f: { $ref: '#/definitions/flag' } },
    },
  ],
  [
    'empty schema: any value',
    { type: 'object', properties: { anything: {} }, required: ['anything'] },
  ],
  [
    'siblings beside anyOf',
    {
      type: 'object',
      properties: { a: { type: 'boolean' } },
      anyOf: [
        { type: 'object', properties: { a: { const: true } }, required: ['a'] },
        { type: 'object', properties: { b: { type: 'null' } }, required: ['b'] },
      ],
    },
  ],
];

describe('grammar output on the random-weight demo model validates against the original schema', () => {
  let dir = '';
  let engine: Engine;
  const validate = schemaValidator();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proxima-gbnf-'));
    const { path } = await writeDemoModel(join(dir, 'demo.gguf'), { seed: 1 });
    engine = await createLlamaEngine({ modelPath: path, gpu: 'auto', contextSize: 2048, slots: 1 });
  }, 60_000);
  afterAll(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(CASES)(
    '%s',
    async (_, schema) => {
      expect(unenforceableSchemaPart(schema)).toBeNull(); // inside core's accepted subset
      let finished = 0;
      for (const seed of [1, 2, 3]) {
        const run = await collectGeneration(
          engine,
          engineRequest('demo', {
            seed,
            maxTokens: 1500,
            responseFormat: { type: 'json_schema', schema },
          }),
        );
        if (run.done.finishReason === 'length') continue; // out of tokens mid-JSON: partial text
        finished++;
        const value: unknown = JSON.parse(run.text);
        expect(validate(schema, value), run.text).toBeNull();
      }
      expect(finished).toBeGreaterThanOrEqual(2);
    },
    120_000,
  );
});
