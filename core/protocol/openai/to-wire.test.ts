import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from '../limits.ts';
import { parseChatRequest, REASONING_EFFORTS, type ChatRequest } from './chat-request.ts';
import { IMAGE_LIMITS } from './images.ts';
import { toWire, upstreamChatBody, upstreamCompletionBody } from './to-wire.ts';

const SEED = 20_260_512;

/** What the upstream receives: JSON text, parsed again. */
const overTheWire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
/** Doubles as JSON carries them: -0 arrives as 0 (it has its own case below). */
const double = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true }).filter((v) => !Object.is(v, -0));
const toolName = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const base64 = fc
  .uint8Array({ minLength: 1, maxLength: 12 })
  .map((bytes) => btoa(String.fromCharCode(...bytes)));
const imagePart = fc.record({
  type: fc.constant('image_url' as const),
  image_url: fc.record({
    url: fc.oneof(
      fc
        .tuple(fc.constantFrom(...IMAGE_LIMITS.mimeTypes), base64)
        .map(([mime, data]) => `data:${mime};base64,${data}`),
      fc.webUrl({ validSchemes: ['https'] }).filter((u) => u.length <= IMAGE_LIMITS.urlChars),
    ),
  }),
});
const textPart = fc.record({ type: fc.constant('text' as const), text: text(20) });
const jsonArguments = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v));

/** A conversation turn: one message, or an assistant's tool calls and the tools' answers. */
const turn = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content: text(30) }).map((m) => [m]),
  fc
    .record({
      role: fc.constant('user'),
      content: fc.oneof(text(30), fc.array(fc.oneof(textPart, imagePart), { maxLength: 3 })),
    })
    .map((m) => [m]),
  fc.record({ role: fc.constant('assistant'), content: text(30) }).map((m) => [m]),
  fc
    .record({
      content: fc.option(text(20)),
      calls: fc.array(fc.record({ name: toolName, arguments: jsonArguments }), {
        minLength: 1,
        maxLength: 3,
      }),
      answered: fc.nat(3),
      answer: text(20),
    })
    .map(({ content, calls, answered, answer }) => {
      // Ids are made unique below, once the turns are in order.
      const tool_calls = calls.map((c) => ({
        id: '',
        type: 'function' as const,
        function: c,
      }));
      const answers = tool_calls
        .slice(0, answered)
        .map(() => ({ role: 'tool', content: answer, tool_call_id: '' }));
      return [{ role: 'assistant', content, tool_calls }, ...answers];
    }),
);

type LooseMessage = Record<string, unknown> & {
  tool_calls?: Array<{ id: string }>;
  tool_call_id?: string;
};

/** Numbers each call's id and points each tool answer at the call it follows. */
function withIds(turns: LooseMessage[][]): LooseMessage[] {
  let next = 0;
  return turns.flatMap((messages) => {
    const calls = messages[0]?.tool_calls?.map((c) => ({ ...c, id: `call_${next++}` })) ?? [];
    return messages.map((m, i) =>
      i === 0
        ? calls.length > 0
          ? { ...m, tool_calls: calls }
          : m
        : { ...m, tool_call_id: calls[i - 1]?.id ?? '' },
    );
  });
}

const schema = fc.constantFrom(
  { type: 'object' },
  { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  { type: 'object', properties: { n: { type: 'integer' }, tags: { type: 'array' } } },
);
const tool = fc.record(
  {
    type: fc.constant('function' as const),
    function: fc.record(
      { name: toolName, description: text(20), parameters: schema },
      { requiredKeys: ['name'] },
    ),
  },
  { requiredKeys: ['type', 'function'] },
);

const toolFields = fc
  .uniqueArray(tool, { selector: (t) => t.function.name, maxLength: 4 })
  .chain((tools) => {
    const names = tools.map((t) => t.function.name);
    const named = names.length === 0 ? [] : [fc.constantFrom(...names)];
    const choice = fc.oneof(
      fc.constantFrom('none', 'auto', 'required'),
      ...named.map((n) => n.map((name) => ({ type: 'function', function: { name } }))),
      ...named.map((n) =>
        fc.record({
          type: fc.constant('allowed_tools'),
          allowed_tools: fc.record({
            mode: fc.constantFrom('auto', 'required'),
            tools: fc
              .array(n, { minLength: 1, maxLength: 2 })
              .map((list) =>
                [...new Set(list)].map((name) => ({ type: 'function', function: { name } })),
              ),
          }),
        }),
      ),
    );
    const modern = fc.record(
      {
        tools: fc.constant(tools),
        tool_choice: choice,
        parallel_tool_calls: fc.boolean(),
      },
      { requiredKeys: ['tools'] },
    );
    const legacy = fc.record(
      {
        functions: fc.constant(tools.map((t) => t.function)),
        function_call: fc.oneof(
          fc.constantFrom('none', 'auto'),
          ...named.map((n) => n.map((name) => ({ name }))),
        ),
      },
      { requiredKeys: ['functions'] },
    );
    return fc.oneof(modern, legacy);
  });

const responseFormat = fc.oneof(
  fc.constant({ type: 'text' }),
  fc.constant({ type: 'json_object' }),
  fc.record({
    type: fc.constant('json_schema'),
    json_schema: fc.record(
      { name: toolName, schema, strict: fc.boolean() },
      { requiredKeys: ['name'] },
    ),
  }),
);

const logprobs = fc.oneof(
  fc.constant({}),
  fc.constant({ logprobs: false }),
  fc.constant({ logprobs: true }),
  fc.integer({ min: 0, max: 20 }).map((n) => ({ logprobs: true, top_logprobs: n })),
);

/** A body parseChatRequest may accept or refuse; what it accepts is a valid request. */
const body = fc
  .record(
    {
      model: fc.constantFrom('m', 'llama-3.1-8b'),
      turns: fc.array(turn, { minLength: 1, maxLength: 5 }),
      stream: fc.boolean(),
      stream_options: fc.record({ include_usage: fc.boolean() }),
      max_tokens: fc.integer({ min: 1, max: FIELD_LIMITS.maxTokensCeiling }),
      temperature: double(0, 2),
      top_p: double(Number.MIN_VALUE, 1),
      stop: fc.array(
        text(8).filter((s) => s !== ''),
        { minLength: 1, maxLength: 4 },
      ),
      seed: fc.integer(),
      frequency_penalty: double(-2, 2),
      presence_penalty: double(-2, 2),
      logit_bias: fc.dictionary(fc.nat(250_000).map(String), double(-100, 100), { maxKeys: 4 }),
      logprobs,
      tools: toolFields,
      response_format: responseFormat,
      reasoning_effort: fc.constantFrom(...REASONING_EFFORTS),
    },
    { requiredKeys: ['model', 'turns'] },
  )
  .map(({ turns, logprobs: lp, tools, ...rest }) => ({
    ...rest,
    ...lp,
    ...tools,
    messages: withIds(turns as LooseMessage[][]),
  }));

function parsed(wire: unknown): ChatRequest | null {
  try {
    return parseChatRequest(wire);
  } catch {
    return null;
  }
}

/** The parts of a request the round trip must have met. */
function features(req: ChatRequest | null): Array<[string, boolean]> {
  const has = (f: (r: ChatRequest) => boolean) => req !== null && f(req);
  return [
    ['tools', has((r) => r.tools.length > 0)],
    ['named choice', has((r) => typeof r.toolChoice === 'object')],
    ['serial calls', has((r) => r.tools.length > 0 && !r.parallelToolCalls)],
    ['tool calls', has((r) => r.messages.some((m) => m.toolCalls !== undefined))],
    ['tool answers', has((r) => r.messages.some((m) => m.role === 'tool'))],
    ['images', has((r) => r.messages.some((m) => m.images?.some((i) => i.kind === 'data')))],
    ['image urls', has((r) => r.messages.some((m) => m.images?.some((i) => i.kind === 'url')))],
    ['logprobs', has((r) => (r.logprobs ?? 0) > 0)],
    ['json_schema', has((r) => r.responseFormat.type === 'json_schema')],
    ['logit_bias', has((r) => r.logitBias.length > 1)],
    ['reasoning', has((r) => r.reasoningEffort !== null)],
    ['usage', has((r) => r.includeUsage)],
  ];
}

describe('toWire', () => {
  it('is undone by parseChatRequest, also after JSON, for any valid request', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(body, (wire) => {
        const req = parsed(wire);
        fc.pre(req !== null);
        for (const [feature, has] of features(req)) if (has) reached.add(feature);
        expect(parseChatRequest(toWire(req))).toStrictEqual(req);
        expect(parseChatRequest(overTheWire(toWire(req)))).toStrictEqual(req);
      }),
      { seed: SEED, numRuns: 400 },
    );
    // The generator must reach every kind of field, not only the plain requests.
    expect([...reached].sort()).toEqual(
      features(null)
        .map(([f]) => f)
        .sort(),
    );
  });

  it('keeps -0 penalties exact', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      frequency_penalty: -0,
      temperature: -0,
    });
    expect(parseChatRequest(toWire(req))).toStrictEqual(req);
  });

  it('writes OpenAI’s shapes: image parts, tool calls, tool answers, tools and formats', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is ' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
            { type: 'text', text: 'this?' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'a cat' },
      ],
      tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      parallel_tool_calls: false,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '7': -100, '3': 5 },
      frequency_penalty: 0.5,
      reasoning_effort: 'low',
      max_completion_tokens: 9,
    });
    expect(toWire(req)).toStrictEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
          ],
        },
        { role: 'tool', content: 'a cat', tool_call_id: 'c1' },
      ],
      max_tokens: 9,
      temperature: 1,
      top_p: 1,
      frequency_penalty: 0.5,
      logit_bias: { '3': 5, '7': -100 },
      logprobs: true,
      top_logprobs: 2,
      tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      parallel_tool_calls: false,
      reasoning_effort: 'low',
    });
    const format = parseChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'n', schema: { type: 'object' }, strict: true },
      },
    });
    expect(toWire(format).response_format).toStrictEqual({
      type: 'json_schema',
      json_schema: { name: 'n', schema: { type: 'object' } },
    });
  });

  it('refuses a raw completion, which has no chat form', () => {
    const req = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(() => toWire({ ...req, messages: [], prompt: { text: 'x' } })).toThrow(/raw/);
  });
});

describe('upstreamChatBody', () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
  const request = (extra: object) =>
    parseChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: false },
      ...extra,
    });
  const full = { model: 'their/m', capabilities: ['tools' as const] };

  it('names the upstream’s model and asks a stream for its usage', () => {
    const req = request({ tools, parallel_tool_calls: false });
    expect(upstreamChatBody(req, full, true)).toMatchObject({
      model: 'their/m',
      stream: true,
      stream_options: { include_usage: true },
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    const whole = upstreamChatBody(req, full, false);
    expect(whole.stream).toBe(false);
    expect(whole).not.toHaveProperty('stream_options');
  });

  it('sends tool fields only with tools, and to an upstream that takes them', () => {
    const none = request({ tools, tool_choice: 'none', parallel_tool_calls: false });
    const bare = upstreamChatBody(none, { model: 'x', capabilities: [] }, false);
    for (const key of ['tools', 'tool_choice', 'parallel_tool_calls'])
      expect(bare).not.toHaveProperty(key);
    expect(upstreamChatBody(none, full, false)).toMatchObject({ tools, tool_choice: 'none' });
    // Without tools, OpenAI refuses parallel_tool_calls.
    const legacyNone = request({ function_call: 'none' });
    expect(legacyNone.parallelToolCalls).toBe(false);
    expect(upstreamChatBody(legacyNone, full, false)).not.toHaveProperty('parallel_tool_calls');
  });
});

describe('upstreamCompletionBody', () => {
  it('sends a raw prompt, its suffix and the legacy logprobs to the completions endpoint', () => {
    const chat = parseChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 5,
      stop: ['\n'],
      presence_penalty: 1,
      logit_bias: { '2': 1 },
      logprobs: true,
      top_logprobs: 3,
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    const req = { ...chat, messages: [], prompt: { text: 'def f(', suffix: '\n  return 1' } };
    const target = { model: 'their/m', capabilities: [] };
    expect(upstreamCompletionBody(req, target, true)).toStrictEqual({
      model: 'their/m',
      prompt: 'def f(',
      suffix: '\n  return 1',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 5,
      temperature: 1,
      top_p: 1,
      stop: ['\n'],
      presence_penalty: 1,
      logit_bias: { '2': 1 },
      logprobs: 3,
    });
    const plain = { ...req, prompt: { text: 'a' }, logprobs: null };
    const body = upstreamCompletionBody(plain, target, false);
    for (const key of ['suffix', 'logprobs', 'stream_options', 'tools'])
      expect(body).not.toHaveProperty(key);
  });
});
