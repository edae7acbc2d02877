// Structured output on the real fleet (edge in workerd, a node running llama.cpp on the
// random-weight demo model), through the official openai client. A grammar constrains the
// sampling, so whatever the weights the answer parses, and validates against the schema asked for.
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../local-node/src/engine/json-schema-validator.testing.ts';
import { collectChatStream } from './chat-stream.ts';
import { useTestFleet } from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Describe a person as JSON.' },
];
const SEEDS = [1, 2, 3];
// Every string and list bounded: the answer always closes well inside max_tokens.
const person = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 12 },
    age: { type: 'integer' },
    height: { type: 'number' },
    born: { type: 'string', format: 'date' },
    tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, minItems: 1, maxItems: 3 },
    pet: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/pet' }] },
    active: { type: 'boolean' },
  },
  required: ['name', 'age', 'height', 'born', 'tags', 'pet', 'active'],
  additionalProperties: false,
  $defs: {
    pet: {
      type: 'object',
      properties: { kind: { const: 'cat' }, lives: { type: 'integer' } },
      required: ['kind', 'lives'],
      additionalProperties: false,
    },
  },
};
const jsonSchema: OpenAI.ResponseFormatJSONSchema = {
  type: 'json_schema',
  json_schema: { name: 'person', strict: true, schema: person },
};
const max_tokens = 800;
const validate = schemaValidator();

/** One seed's answer, whole and streamed. */
async function both(params: OpenAI.ChatCompletionCreateParamsNonStreaming) {
  const whole = await f.client.chat.completions.create(params);
  const streamed = await collectChatStream(
    await f.client.chat.completions.create({ ...params, stream: true }),
  );
  return { whole: whole.choices[0]!, streamed };
}

describe('response_format', () => {
  it('json_object: a JSON object, ending with stop, streamed exactly as not', async () => {
    // Any object is unbounded: a random model may write one past any max_tokens (seed 3 does).
    // These seeds close theirs, with a few members, within 200 tokens.
    for (const seed of [2, 8, 9]) {
      const { whole, streamed } = await both({
        model,
        messages,
        max_tokens,
        seed,
        response_format: { type: 'json_object' },
      });
      expect(whole.finish_reason).toBe('stop');
      const value: unknown = JSON.parse(whole.message.content ?? '');
      expect(typeof value).toBe('object');
      expect(value).not.toBeNull();
      expect(Array.isArray(value)).toBe(false);
      expect(streamed.finish).toBe('stop');
      expect(streamed.content).toBe(whole.message.content);
    }
  });

  it('json_schema with strict: valid for the schema, ending with stop, streamed and not', async () => {
    for (const seed of SEEDS) {
      const { whole, streamed } = await both({
        model,
        messages,
        max_tokens,
        seed,
        response_format: jsonSchema,
      });
      expect(whole.finish_reason).toBe('stop');
      expect(validate(person, JSON.parse(whole.message.content ?? ''))).toBeNull();
      expect(streamed.finish).toBe('stop');
      expect(streamed.content).toBe(whole.message.content);
    }
  });

  it('the schema is what shapes the answer: without it the same seed writes no such JSON', async () => {
    const free = await f.client.chat.completions.create({
      model,
      messages,
      max_tokens: 48,
      seed: 1,
    });
    const parsed = (() => {
      try {
        return JSON.parse(free.choices[0]?.message.content ?? '') as unknown;
      } catch {
        return undefined;
      }
    })();
    expect(parsed === undefined || validate(person, parsed) !== null).toBe(true);
  });

  it('cut at max_tokens: finish_reason length and the partial JSON, as OpenAI does', async () => {
    const params = { model, messages, seed: 1, response_format: jsonSchema };
    const full = await f.client.chat.completions.create({ ...params, max_tokens });
    const cut = await f.client.chat.completions.create({ ...params, max_tokens: 6 });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage?.completion_tokens).toBe(6);
    const partial = cut.choices[0]?.message.content ?? '';
    expect(partial).not.toBe('');
    expect(full.choices[0]?.message.content?.startsWith(partial)).toBe(true);
    expect(() => JSON.parse(partial) as unknown).toThrow(SyntaxError);
  });

  it.each([
    ['a pattern', { code: { type: 'string', pattern: '^[A-Z]+$' } }, 'properties.code.pattern'],
    ['a minimum', { n: { type: 'integer', minimum: 1 } }, 'properties.n.minimum'],
    ['a remote $ref', { p: { $ref: 'https://example.com/p.json' } }, 'properties.p.$ref'],
  ])('400 naming the keyword path for a schema with %s', async (_, properties, path) => {
    const err = await badRequest(
      f.client.chat.completions.create({
        model,
        messages,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', strict: true, schema: { type: 'object', properties } },
        },
      }),
    );
    expect(err.param).toBe(`response_format.json_schema.schema.${path}`);
    expect(err.message).toContain(path.split('.').at(-1));
  });
});

describe('inputs the demo model cannot take', () => {
  // A 1×1 transparent PNG.
  const png =
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

  it("an image part: 400 naming the message's content (the model has no 'vision')", async () => {
    const err = await badRequest(
      f.client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: png } },
            ],
          },
        ],
      }),
    );
    expect(err.param).toBe('messages[1].content');
    expect(err.message).toMatch(/vision/);
  });
});
