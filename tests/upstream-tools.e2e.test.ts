// OpenAI-compatible upstreams as full backends: tools, tool calls (streamed in fragments),
// reasoning, log probabilities and every v2 request field, through the real edge, with the
// official openai client on one side and a real HTTP stand-in upstream on the other.
import OpenAI from 'openai';
import type { ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from './fleet.ts';
import { startStandInUpstream, type StandInUpstream } from './upstream-stand-in.ts';
import {
  STAND_IN_ANSWER,
  STAND_IN_ARGUMENTS,
  STAND_IN_REASONING,
  standInLogprobs,
} from './upstream-stand-in-tools.ts';

const TOOLS = 'tools-model';
const REASON = 'reason-model';
const PLAIN = 'plain-model';
const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];
const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
};
const time: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
};
/** The calls the stand-in makes for [weather, time], as a client must see them. */
const expectedCalls = [
  {
    id: 'call_stand_in_0',
    type: 'function',
    function: { name: 'get_weather', arguments: STAND_IN_ARGUMENTS },
  },
  {
    id: 'call_stand_in_1',
    type: 'function',
    function: { name: 'get_time', arguments: STAND_IN_ARGUMENTS },
  },
];

let upstream: StandInUpstream;
let t: TestFleet;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startStandInUpstream();
  const at = (path: string, models: Record<string, string>, capabilities?: string[]) => ({
    name: path,
    baseUrl: `${upstream.origin}/${path}/v1`,
    models,
    costPer1kTokens: 0,
    priority: 0,
    maxConcurrent: 8,
    ...(capabilities === undefined ? {} : { capabilities }),
  });
  const upstreams = [
    at('tools', { [TOOLS]: 'stand-in/tools' }),
    at('reason', { [REASON]: 'stand-in/reason' }, ['reasoning', 'logprobs', 'fim']),
    at('ok', { [PLAIN]: 'stand-in/plain' }, []),
  ];
  t = await startTestFleet(0, { UPSTREAMS: JSON.stringify(upstreams) });
  client = new OpenAI({
    baseURL: `${t.fleet.info.url}/v1`,
    apiKey: t.fleet.info.apiKey,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

/** What the stand-in received last. */
const lastSeen = () => upstream.seen.at(-1)?.body;

describe('tool calls from an upstream', () => {
  it('reach the client whole in a non-streamed answer, and the upstream gets the tools', async () => {
    const res = await client.chat.completions.create({
      model: TOOLS,
      messages,
      tools: [weather, time],
    });
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual(expectedCalls);
    expect(lastSeen()).toMatchObject({
      model: 'stand-in/tools',
      stream: false,
      tools: [weather, time],
      tool_choice: 'auto',
    });
    expect(lastSeen()).not.toHaveProperty('parallel_tool_calls');
  });

  it('arrive whole when streamed, though the upstream sent them in fragments', async () => {
    const stream = await client.chat.completions.create({
      model: TOOLS,
      messages,
      tools: [weather, time],
      stream: true,
    });
    const calls: unknown[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) calls.push(call);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    // One delta per call, each carrying all of it: the edge's deltas hold whole calls.
    expect(calls).toEqual(expectedCalls.map((c, index) => ({ index, ...c })));
    expect(finish).toBe('tool_calls');
    expect(lastSeen()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('read right in the official client’s stream helper', async () => {
    const stream = client.chat.completions.stream({
      model: TOOLS,
      messages,
      tools: [weather, time],
    });
    const done: Array<{ name: string; arguments: string }> = [];
    stream.on('tool_calls.function.arguments.done', (e) =>
      done.push({ name: e.name, arguments: e.arguments }),
    );
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls).toEqual(expectedCalls);
    expect(done).toEqual(expectedCalls.map((c) => c.function));
  });

  it('carry a whole conversation to the upstream in OpenAI’s shape: calls, answers, images', async () => {
    const image = 'data:image/png;base64,iVBORw0KGgo=';
    const res = await client.chat.completions.create({
      model: TOOLS,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather where this is?' },
            { type: 'image_url', image_url: { url: image } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: expectedCalls.slice(0, 1) as never },
        { role: 'tool', tool_call_id: 'call_stand_in_0', content: '{"sky":"clear"}' },
      ],
      tools: [weather, time],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      parallel_tool_calls: false,
      frequency_penalty: 0.5,
      presence_penalty: -0.25,
      logit_bias: { '42': -100, '7': 3 },
      logprobs: true,
      top_logprobs: 2,
      max_completion_tokens: 64,
      seed: 9,
      stop: ['END'],
    });
    // The named tool alone, and one call only: parallel calls are off.
    expect(res.choices[0]?.message.tool_calls).toEqual([
      { ...expectedCalls[1], id: 'call_stand_in_0' },
    ]);
    expect(lastSeen()).toEqual({
      model: 'stand-in/tools',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather where this is?' },
            { type: 'image_url', image_url: { url: image } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: expectedCalls.slice(0, 1) },
        { role: 'tool', tool_call_id: 'call_stand_in_0', content: '{"sky":"clear"}' },
      ],
      max_tokens: 64,
      temperature: 1,
      top_p: 1,
      stop: ['END'],
      seed: 9,
      frequency_penalty: 0.5,
      presence_penalty: -0.25,
      logit_bias: { '7': 3, '42': -100 },
      logprobs: true,
      top_logprobs: 2,
      tools: [weather, time],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      parallel_tool_calls: false,
    });
  });

  it('sends structured output as response_format', async () => {
    const schema = { type: 'object', properties: { sky: { type: 'string' } }, required: ['sky'] };
    await client.chat.completions.create({
      model: TOOLS,
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'sky', schema } },
    });
    expect(lastSeen()?.['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'sky', schema },
    });
  });
});

describe('reasoning and log probabilities from an upstream', () => {
  const asked = {
    model: REASON,
    messages,
    reasoning_effort: 'low',
    logprobs: true,
    top_logprobs: 2,
  } as const;
  const logprobs = standInLogprobs({ model: '', stream: false, logprobs: true, top_logprobs: 2 });

  it('reach the client intact in a whole answer', async () => {
    const res = await client.chat.completions.create(asked);
    const choice = res.choices[0];
    expect(choice?.message.content).toBe(STAND_IN_ANSWER.join(''));
    expect((choice?.message as { reasoning_content?: string }).reasoning_content).toBe(
      STAND_IN_REASONING.join(''),
    );
    expect(choice?.logprobs?.content).toEqual(logprobs);
    expect(lastSeen()).toMatchObject({ reasoning_effort: 'low', logprobs: true, top_logprobs: 2 });
  });

  it('reach the client intact in a stream', async () => {
    const stream = await client.chat.completions.create({ ...asked, stream: true });
    let text = '';
    let reasoning = '';
    const entries: unknown[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      reasoning +=
        (choice?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
      entries.push(...(choice?.logprobs?.content ?? []));
    }
    expect(text).toBe(STAND_IN_ANSWER.join(''));
    expect(reasoning).toBe(STAND_IN_REASONING.join(''));
    expect(entries).toEqual(logprobs);
  });

  it('are not asked of an upstream that does not declare them: tools are refused by name', async () => {
    const err = await client.chat.completions
      .create({ model: REASON, messages, tools: [weather] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('tools');
  });
});

describe('an upstream configured without capabilities', () => {
  it('answers plain requests and refuses a tools request with a 400 naming tools', async () => {
    const plain = await client.chat.completions.create({ model: PLAIN, messages });
    expect(plain.choices[0]?.message.content).toBeTruthy();
    const before = upstream.seen.length;
    for (const stream of [false, true]) {
      const err = await client.chat.completions
        .create({ model: PLAIN, messages, tools: [weather], stream })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      const apiErr = err as InstanceType<typeof OpenAI.APIError>;
      expect(apiErr.status).toBe(400);
      expect(apiErr.param).toBe('tools');
      expect(apiErr.message).toContain("'tools'");
    }
    expect(upstream.seen.length, 'the upstream never saw the refused requests').toBe(before);
  });

  it('still answers with tool_choice none: the tools are then not sent', async () => {
    await client.chat.completions.create({
      model: PLAIN,
      messages,
      tools: [weather],
      tool_choice: 'none',
    });
    expect(lastSeen()).not.toHaveProperty('tools');
    expect(lastSeen()).not.toHaveProperty('tool_choice');
  });
});

describe('raw completions on an upstream', () => {
  const entries = standInLogprobs({ model: '', stream: false, logprobs: 2 }) ?? [];

  it('go to its legacy /completions with the prompt, suffix and logprobs, and come back', async () => {
    const res = await client.completions.create({
      model: REASON,
      prompt: 'def add(a, b):',
      suffix: '\n    return c',
      max_tokens: 8,
      logprobs: 2,
    });
    const seen = upstream.seen.at(-1);
    expect(seen?.path).toBe('/reason/v1/completions');
    expect(seen?.body).toMatchObject({
      model: 'stand-in/reason',
      prompt: 'def add(a, b):',
      suffix: '\n    return c',
      max_tokens: 8,
      logprobs: 2,
      stream: false,
    });
    expect(seen?.body).not.toHaveProperty('messages');
    const choice = res.choices[0];
    expect(choice?.text).toBe(STAND_IN_ANSWER.join(''));
    expect(choice?.logprobs?.tokens).toEqual(entries.map((e) => e.token));
    expect(choice?.logprobs?.token_logprobs).toEqual(entries.map((e) => e.logprob));
    expect(choice?.logprobs?.top_logprobs).toEqual(
      entries.map((e) => Object.fromEntries(e.top_logprobs.map((t) => [t.token, t.logprob]))),
    );
  });

  it('stream from it too', async () => {
    const stream = await client.completions.create({
      model: REASON,
      prompt: 'Once upon',
      max_tokens: 8,
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(STAND_IN_ANSWER.join(''));
    expect(finish).toBe('length');
    expect(upstream.seen.at(-1)?.body).toMatchObject({ prompt: 'Once upon', stream: true });
  });
});
