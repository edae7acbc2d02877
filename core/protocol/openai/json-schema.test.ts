import { describe, expect, it } from 'vitest';
import { ProximaError } from '../errors.ts';
import { assertEnforceableSchema, unenforceableSchemaPart } from './json-schema.ts';

describe('the enforceable JSON Schema subset', () => {
  it.each([
    [{ type: 'object', properties: { a: { type: 'string', maxLength: 10 } }, required: ['a'] }],
    [{ type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3 }],
    [{ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] }],
    [{ enum: ['a', 1, null] }],
    [{ const: 'x', description: 'annotations are fine' }],
    [{ oneOf: [{ type: 'string' }, { type: 'null' }] }],
    [
      {
        anyOf: [{ type: 'boolean' }, { type: 'object', additionalProperties: { type: 'number' } }],
      },
    ],
    [{ type: ['string', 'null'] }],
    [{ type: 'string', format: 'date-time' }],
    [
      {
        $defs: { p: { type: 'object', properties: { n: { $ref: '#/$defs/p' } } } },
        $ref: '#/$defs/p',
      },
    ],
    [{}],
    [{ type: 'object', properties: { anything: {} }, additionalProperties: false }],
  ])('accepts %j', (schema) => {
    expect(unenforceableSchemaPart(schema)).toBeNull();
  });

  it.each([
    [{ type: 'integer', minimum: 1 }, 'minimum'],
    [{ type: 'string', pattern: '^a' }, 'pattern'],
    [
      { type: 'object', properties: { a: { type: 'number', multipleOf: 2 } } },
      'properties.a.multipleOf',
    ],
    [{ allOf: [{ type: 'string' }] }, 'allOf'],
    [{ not: { type: 'string' } }, 'not'],
    [{ type: 'array', items: { type: 'string' }, uniqueItems: true }, 'uniqueItems'],
    [{ type: 'string', format: 'email' }, 'format'],
    [{ properties: { a: { type: 'string' } } }, 'properties'],
    [{ type: 'string', minItems: 1 }, 'minItems'],
    [{ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, 'required'],
    [{ type: 'array', minItems: 3, maxItems: 2 }, 'minItems'],
    [{ type: 'array', minItems: -1 }, 'minItems'],
    [{ type: 'uuid' }, 'type'],
    [{ type: ['object', 'null'] }, 'type'],
    [{ $ref: '#/$defs/missing' }, '$ref'],
    [{ $ref: 'https://example.com/schema.json' }, '$ref'],
    [{ type: 'object', properties: { a: { $defs: { x: {} } } } }, 'properties.a.$defs'],
    [{ enum: [] }, 'enum'],
    [{ enum: [{ a: 1 }] }, 'enum'],
    [{ oneOf: [{ type: 'string' }, { type: 'integer', maximum: 3 }] }, 'oneOf[1].maximum'],
  ])('refuses %j at %s', (schema, path) => {
    expect(unenforceableSchemaPart(schema)?.path).toBe(path);
  });

  it('refuses what is not a schema object', () => {
    expect(unenforceableSchemaPart('string')?.path).toBe('');
    expect(unenforceableSchemaPart([])?.path).toBe('');
  });

  it('refuses a schema nested past the JSON depth limit', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) schema = { type: 'array', items: schema };
    expect(unenforceableSchemaPart(schema)?.reason).toMatch(/nesting deeper/);
  });

  it('a 400 names the parameter and the keyword', () => {
    try {
      assertEnforceableSchema(
        { type: 'integer', minimum: 0 },
        'response_format.json_schema.schema',
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProximaError);
      const e = err as ProximaError;
      expect([e.status, e.code, e.param]).toEqual([
        400,
        'unsupported_parameter',
        'response_format.json_schema.schema.minimum',
      ]);
      expect(e.message).toMatch(/'minimum' is not enforceable/);
    }
  });
});
