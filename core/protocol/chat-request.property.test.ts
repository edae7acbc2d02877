// Properties of the chat validator: whatever JSON a client sends, parseChatRequest either returns
// a normalised ChatRequest or throws a 400 ProximaError naming a field that exists; never anything
// else. Valid requests keep every field they sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProximaError } from './errors.ts';
import { FIELD_LIMITS, MODEL_ID_PATTERN } from './limits.ts';
import { parseChatRequest, type ChatMessage, type ChatRequest } from './openai/chat-request.ts';

const SEED = 20_240_601;

/** Every top-level field of an OpenAI chat-completions body that the validator knows. */
const WIRE_FIELDS = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'seed',
  'user',
  'logprobs',
  'tools',
  'functions',
  'tool_choice',
  'response_format',
  'proxima',
] as const;

/** What a client's JSON looks like once it went over the wire: undefined gone, -0 is 0. */
function overTheWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

type Outcome = { ok: true; request: ChatRequest } | { ok: false; error: unknown };

function outcomeOf(body: unknown): Outcome {
  try {
    return { ok: true, request: parseChatRequest(body) };
  } catch (error) {
    return { ok: false, error };
  }
}

// ---------------------------------------------------------------------------------------------
// Valid requests, and the normalised request each one must become.

const wellFormedText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const modelId = fc.stringMatching(MODEL_ID_PATTERN);

interface WireMessage {
  role: 'system' | 'developer' | 'user' | 'assistant';
  content: string | Array<{ type: 'text'; text: string }>;
  name?: string;
}

const wireMessage: fc.Arbitrary<WireMessage> = fc.record(
  {
    role: fc.constantFrom('system', 'developer', 'user', 'assistant'),
    content: fc.oneof(
      wellFormedText(40),
      fc.array(fc.record({ type: fc.constant('text' as const), text: wellFormedText(20) }), {
        maxLength: 4,
      }),
    ),
    name: fc.string({ maxLength: FIELD_LIMITS.messageNameChars }),
  },
  { requiredKeys: ['role', 'content'] },
);

const stopString = wellFormedText(FIELD_LIMITS.stopChars).filter(
  (s) => s.length >= 1 && s.length <= FIELD_LIMITS.stopChars,
);
const tokens = fc.integer({ min: 1, max: FIELD_LIMITS.maxTokensCeiling });

/** A body the validator must accept, with null and absent fields mixed in. */
const validWire = fc
  .record(
    {
      model: modelId,
      messages: fc.array(wireMessage, { minLength: 1, maxLength: 5 }),
      stream: fc.option(fc.boolean()),
      stream_options: fc.option(fc.record({ include_usage: fc.boolean() }, { requiredKeys: [] })),
      max_tokens: fc.option(tokens),
      temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true })),
      top_p: fc.option(fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true })),
      n: fc.option(fc.constant(1)),
      stop: fc.option(
        fc.oneof(stopString, fc.array(stopString, { maxLength: FIELD_LIMITS.stopSequences })),
      ),
      seed: fc.option(fc.integer()),
      user: fc.option(fc.string({ maxLength: 64 })),
      logprobs: fc.option(fc.constant(false)),
      tools: fc.option(fc.constant([])),
      functions: fc.option(fc.constant([])),
      tool_choice: fc.option(fc.constant('none')),
      response_format: fc.option(fc.constant({ type: 'text' })),
      proxima: fc.option(fc.constant({})),
    },
    { requiredKeys: ['model', 'messages'] },
  )
  // max_completion_tokens, when sent with max_tokens, must agree with it.
  .chain((wire) =>
    fc
      .option(wire.max_tokens ? fc.constant(wire.max_tokens) : tokens, { nil: undefined })
      .map((mct) => (mct === undefined ? wire : { ...wire, max_completion_tokens: mct })),
  );

type ValidWire = Record<string, unknown> & {
  model: string;
  messages: WireMessage[];
};

/** The normalisation, written out independently of the validator. */
function expectedRequest(wire: ValidWire): ChatRequest {
  const get = <T>(key: string): T | undefined => {
    const v = wire[key];
    return v === null || v === undefined ? undefined : (v as T);
  };
  const messages = wire.messages.map((m): ChatMessage => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
  }));
  const stop = get<string | string[]>('stop');
  return {
    model: wire.model,
    messages,
    stream: wire['stream'] === true,
    includeUsage: get<{ include_usage?: boolean }>('stream_options')?.include_usage === true,
    maxTokens: get<number>('max_completion_tokens') ?? get<number>('max_tokens'),
    temperature: get<number>('temperature') ?? 1,
    topP: get<number>('top_p') ?? 1,
    stop: stop === undefined ? [] : typeof stop === 'string' ? [stop] : stop,
    seed: get<number>('seed'),
    frequencyPenalty: 0,
    presencePenalty: 0,
    logitBias: [],
    logprobs: null,
    tools: [],
    toolChoice: 'none',
    parallelToolCalls: true,
    responseFormat: { type: 'text' },
    reasoningEffort: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Hostile bodies: arbitrary JSON, and near-valid requests with one field replaced by anything.

const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Values of every JSON type, plus the awkward ones: huge, empty, lone surrogates, NULs. */
const awkwardValue: fc.Arbitrary<unknown> = fc.oneof(
  anyJson,
  fc.constantFrom(
    '',
    '\u0000',
    '\ud800',
    'a\udc00b',
    'x'.repeat(200),
    'x'.repeat(5000),
    -1,
    0,
    1.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    [],
    {},
    [[[[[]]]]],
    { type: 'text' },
    { type: 'image_url' },
    { role: 'user' },
  ),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);

/** A valid request with one path (top-level, message-level or part-level) set to an awkward value. */
const mutatedRequest = fc
  .tuple(
    validWire,
    fc.constantFrom(
      ...WIRE_FIELDS.map((f) => [f]),
      ['messages', 0],
      ['messages', 0, 'role'],
      ['messages', 0, 'content'],
      ['messages', 0, 'name'],
      ['messages', 0, 'content', 0],
      ['messages', 0, 'content', 0, 'type'],
      ['messages', 0, 'content', 0, 'text'],
      ['stop', 0],
      ['stream_options', 'include_usage'],
      ['response_format', 'type'],
    ),
    awkwardValue,
  )
  .map(([wire, path, value]) => setPath(overTheWire(wire), path, value));

function setPath(root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const arr = Array.isArray(root) ? [...(root as unknown[])] : [];
    arr[Math.min(head, arr.length)] = setPath(arr[head], rest, value);
    return arr;
  }
  const obj =
    typeof root === 'object' && root !== null && !Array.isArray(root)
      ? { ...(root as Record<string, unknown>) }
      : {};
  obj[head] = setPath(obj[head], rest, value);
  return obj;
}

const hostileBody = fc.oneof(anyJson, mutatedRequest, validWire.map(overTheWire));

/**
 * Whether `param` ("messages[2].content[0].text") names a field the request can have, along a
 * path that exists in `body`: every index is in range, every parent exists. The last key may be
 * missing (a required field that was not sent).
 */
function namesRealPath(body: unknown, param: string): boolean {
  if (!/^[a-z_]+(\.[a-z_]+|\[\d+\])*$/.test(param)) return false;
  const segments = [...param.matchAll(/([a-z_]+)|\[(\d+)\]/g)].map((m) =>
    m[2] === undefined ? (m[1] ?? '') : Number(m[2]),
  );
  if (!(WIRE_FIELDS as readonly string[]).includes(String(segments[0]))) return false;
  let node: unknown = body;
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (typeof seg === 'number') {
      if (!Array.isArray(node) || seg >= node.length) return false;
      node = (node as unknown[])[seg];
    } else {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
      if (!Object.hasOwn(node, seg) && !last) return false;
      node = (node as Record<string, unknown>)[seg];
    }
  }
  return true;
}

describe('parseChatRequest properties', () => {
  it('any JSON value: a ChatRequest or a 400 ProximaError, never another exception', () => {
    fc.assert(
      fc.property(hostileBody, (body) => {
        const outcome = outcomeOf(body);
        if (outcome.ok) return;
        expect(outcome.error).toBeInstanceOf(ProximaError);
        const err = outcome.error as ProximaError;
        expect(err.status).toBe(400);
        expect(err.message.length).toBeGreaterThan(0);
        expect(err.message.length).toBeLessThanOrEqual(512);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('a valid request round-trips every field it sent', () => {
    fc.assert(
      fc.property(validWire, (generated) => {
        const wire = overTheWire(generated) as ValidWire;
        expect(parseChatRequest(wire)).toEqual(expectedRequest(wire));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('a 400 that names a param names a real path of the request', () => {
    fc.assert(
      fc.property(hostileBody, (body) => {
        const outcome = outcomeOf(body);
        if (outcome.ok || !(outcome.error instanceof ProximaError)) return;
        const param = outcome.error.param;
        if (param === null) return;
        expect(namesRealPath(body, param), `param '${param}' for ${JSON.stringify(body)}`).toBe(
          true,
        );
      }),
      { seed: SEED + 1, numRuns: 3000 },
    );
  });

  it('a model id longer than 128 characters is a 400 naming model', () => {
    fc.assert(
      fc.property(
        validWire,
        fc.integer({ min: 129, max: 100_000 }),
        fc.constantFrom('a', 'é', '\u0000', '/'),
        (wire, length, ch) => {
          const outcome = outcomeOf({ ...(overTheWire(wire) as object), model: ch.repeat(length) });
          expect(outcome.ok).toBe(false);
          if (outcome.ok) return;
          expect(outcome.error).toBeInstanceOf(ProximaError);
          expect((outcome.error as ProximaError).param).toBe('model');
          expect((outcome.error as ProximaError).message.length).toBeLessThanOrEqual(512);
        },
      ),
      { seed: SEED + 2, numRuns: 200 },
    );
  });
});
