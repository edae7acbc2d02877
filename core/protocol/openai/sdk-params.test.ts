// Every parameter of the official SDK's request types is honoured (with a test that shows its
// effect) or refused by name. The keys are read from the installed `openai` package at test time,
// so a parameter a new SDK adds fails this test until it is placed in one of the tables.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ProximaError } from '../errors.ts';
import { parseChatRequest } from './chat-request.ts';
import { parseCompletionRequest } from './completion-request.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The installed SDK's root: its `exports` hide package.json, so from its main entry. */
const SDK = dirname(createRequire(import.meta.url).resolve('openai'));

/** The property names of an interface declared in one of the SDK's .d.ts files. */
function sdkKeys(file: string, name: string): string[] {
  const path = join(SDK, file);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name)
      for (const m of node.members)
        if (ts.isPropertySignature(m) && ts.isIdentifier(m.name)) keys.push(m.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return keys;
}

/** A test that shows the parameter's effect: the file, and words of its title. */
interface Evidence {
  readonly file: string;
  readonly test: string;
}

interface Honoured {
  /** Sent with the base body (and `with`): must change the parsed request, so it is not dropped. */
  readonly value: unknown;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly evidence: readonly Evidence[];
}

/** Accepted, changing no answer by its definition (identifiers, caching and routing hints). */
interface Inert {
  readonly value: unknown;
  readonly why: string;
}

/** Refused with a 400 naming it for this value (other values, if any, are served). */
interface Refused {
  readonly value: unknown;
  /** Values that are accepted, because they ask for what is served anyway. */
  readonly accepted?: readonly unknown[];
}

interface Table {
  readonly honoured: Readonly<Record<string, Honoured>>;
  readonly inert: Readonly<Record<string, Inert>>;
  readonly refused: Readonly<Record<string, Refused>>;
}

const e = (file: string, test: string): Evidence => ({ file, test });
const CHAT_E2E = 'tests/chat.e2e.test.ts';
const EFFECTS = 'tests/sdk-params-effects.e2e.test.ts';
const COMPLETIONS_E2E = 'tests/completions.e2e.test.ts';
const CONTRACT = 'local-node/src/engine/engine.case.ts';
const CAPS = 'local-node/src/engine/engine-capabilities.case.ts';
const FEATURES = 'local-node/src/engine/llama-features.test.ts';
const LLAMA = 'local-node/src/engine/llama-engine.test.ts';
const PARSE = 'core/protocol/openai/chat-request.test.ts';

const MAX_TOKENS = e(CONTRACT, "stops at maxTokens with finishReason 'length'");
const TEMPERATURE = e(EFFECTS, 'temperature: 0 is greedy');
const TOP_P = e(EFFECTS, 'top_p: a tiny nucleus');
const STOP = e(EFFECTS, 'stop: the text ends before the stop string');
const PENALTIES = e(CAPS, 'penalties: frequency and presence penalties change repetition');
const LOGIT_BIAS = [
  e(CAPS, 'logit_bias: +100 makes the output that token'),
  e(FEATURES, '-100 on the most frequent token removes it'),
];
const LOGPROBS = e(CAPS, 'logprobs: one entry per token, each <= 0');
const TOOLS = e(CAPS, "tools 'required': one or more calls whose arguments match their tool");
const TOOL_CHOICE = [
  e(CAPS, 'tools: a named tool, and exactly one call without parallel calls'),
  e(CAPS, "tools 'auto': text or calls, whichever came is well-formed"),
];
const FUNCTIONS = e(PARSE, 'maps the deprecated functions and function_call');
const SHARED = e('core/protocol/openai/completion-request.test.ts', 'maps every shared parameter');

const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object' } } };
const fn = { name: 'f', parameters: { type: 'object' } };

const CHAT: Table = {
  honoured: {
    messages: {
      value: [{ role: 'user', content: 'other' }],
      evidence: [e(CHAT_E2E, 'answers a non-streamed chat with OpenAI shapes and usage')],
    },
    model: { value: 'other', evidence: [e(CHAT_E2E, '404 for an unknown model')] },
    max_tokens: { value: 5, evidence: [MAX_TOKENS] },
    max_completion_tokens: {
      value: 5,
      evidence: [e(PARSE, 'takes max_completion_tokens'), MAX_TOKENS],
    },
    temperature: { value: 0, evidence: [TEMPERATURE] },
    top_p: { value: 0.5, evidence: [TOP_P] },
    seed: { value: 3, evidence: [e(EFFECTS, 'seed: the same seed'), e(LLAMA, 'reproducible')] },
    stop: { value: ['x'], evidence: [STOP] },
    stream: { value: true, evidence: [e(CHAT_E2E, 'streams tokens incrementally')] },
    stream_options: {
      value: { include_usage: true },
      evidence: [e(CHAT_E2E, 'streams tokens incrementally and ends cleanly, with usage')],
    },
    frequency_penalty: { value: 1, evidence: [PENALTIES] },
    presence_penalty: { value: 1, evidence: [PENALTIES] },
    logit_bias: { value: { '5': -100 }, evidence: LOGIT_BIAS },
    logprobs: { value: true, evidence: [LOGPROBS] },
    top_logprobs: { value: 3, with: { logprobs: true }, evidence: [LOGPROBS] },
    tools: {
      value: [tool],
      evidence: [TOOLS, e(CAPS, 'tools: earlier calls and their results are part of the prompt')],
    },
    tool_choice: { value: 'required', with: { tools: [tool] }, evidence: TOOL_CHOICE },
    parallel_tool_calls: { value: false, with: { tools: [tool] }, evidence: TOOL_CHOICE },
    // The deprecated forms become tools and tool_choice.
    functions: { value: [fn], evidence: [FUNCTIONS, TOOLS] },
    function_call: {
      value: { name: 'f' },
      with: { functions: [fn] },
      evidence: [FUNCTIONS, ...TOOL_CHOICE],
    },
    response_format: {
      value: { type: 'json_object' },
      evidence: [e(CAPS, "json_schema: json_object parses; a schema's output validates")],
    },
    reasoning_effort: {
      value: 'low',
      evidence: [
        e(CAPS, "reasoning: 'none' answers without reasoning"),
        e(FEATURES, "effort 'none' prefills an empty, closed section"),
      ],
    },
  },
  inert: {
    user: { value: 'u-1', why: 'an end-user id for abuse monitoring' },
    safety_identifier: { value: 's-1', why: 'an end-user id for abuse monitoring' },
    prompt_cache_key: { value: 'k', why: "a hint for the provider's prompt cache" },
    prompt_cache_retention: { value: '24h', why: "a hint for the provider's prompt cache" },
    prompt_cache_options: { value: {}, why: "a hint for the provider's prompt cache" },
  },
  refused: {
    n: { value: 2, accepted: [1] },
    store: { value: true, accepted: [false] },
    metadata: { value: { a: 'b' }, accepted: [{}] },
    modalities: { value: ['audio'], accepted: [['text']] },
    audio: { value: { voice: 'alloy', format: 'mp3' } },
    prediction: { value: { type: 'content', content: 'x' } },
    service_tier: { value: 'flex', accepted: ['auto', 'default'] },
    verbosity: { value: 'low' },
    web_search_options: { value: {} },
    moderation: { value: {} },
  },
};

const COMPLETION: Table = {
  honoured: {
    model: { value: 'other', evidence: [e(CHAT_E2E, '404 for an unknown model')] },
    prompt: { value: 'other', evidence: [e(COMPLETIONS_E2E, 'runs raw: no chat template')] },
    suffix: {
      value: 'tail',
      evidence: [
        e(COMPLETIONS_E2E, "fills in the middle with 'suffix'"),
        e(CAPS, 'fim: fills the middle between a prompt and a suffix'),
      ],
    },
    max_tokens: { value: 5, evidence: [e(COMPLETIONS_E2E, 'the legacy default of 16 tokens')] },
    echo: { value: true, evidence: [e(COMPLETIONS_E2E, 'echo returns the prompt')] },
    logprobs: { value: 2, evidence: [e(COMPLETIONS_E2E, 'log probabilities in the legacy shape')] },
    temperature: { value: 0, evidence: [TEMPERATURE] },
    top_p: { value: 0.5, evidence: [TOP_P] },
    seed: { value: 3, evidence: [e(EFFECTS, 'seed: the same seed')] },
    stop: { value: ['x'], evidence: [STOP] },
    stream: { value: true, evidence: [e(COMPLETIONS_E2E, 'streams the same text')] },
    stream_options: {
      value: { include_usage: true },
      evidence: [e(COMPLETIONS_E2E, 'streams the same text as the whole answer')],
    },
    // The same request fields as chat's (SHARED); the engine applies them to raw prompts alike.
    frequency_penalty: { value: 1, evidence: [SHARED, PENALTIES] },
    presence_penalty: { value: 1, evidence: [SHARED, PENALTIES] },
    logit_bias: { value: { '5': -100 }, evidence: [SHARED, ...LOGIT_BIAS] },
  },
  inert: { user: { value: 'u-1', why: 'an end-user id for abuse monitoring' } },
  refused: {
    n: { value: 2, accepted: [1] },
    best_of: { value: 2, accepted: [1] },
  },
};

const CHAT_BASE = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const COMPLETION_BASE = { model: 'm', prompt: 'hi' };
const parseCompletion = (body: unknown) => parseCompletionRequest(body);

function refusal(parse: (body: unknown) => unknown, body: unknown): ProximaError {
  try {
    parse(body);
  } catch (err) {
    if (err instanceof ProximaError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

describe.each([
  {
    api: 'chat.completions.create',
    keys: () =>
      sdkKeys('resources/chat/completions/completions.d.ts', 'ChatCompletionCreateParamsBase'),
    table: CHAT,
    base: CHAT_BASE,
    parse: parseChatRequest as (body: unknown) => unknown,
  },
  {
    api: 'completions.create',
    keys: () => sdkKeys('resources/completions.d.ts', 'CompletionCreateParamsBase'),
    table: COMPLETION,
    base: COMPLETION_BASE,
    parse: parseCompletion as (body: unknown) => unknown,
  },
])('the SDK parameters of $api', ({ keys, table, base, parse }) => {
  const sdk = keys();
  const placed = [
    ...Object.keys(table.honoured),
    ...Object.keys(table.inert),
    ...Object.keys(table.refused),
  ];

  it('are read from the installed SDK', () => {
    expect(sdk.length).toBeGreaterThan(10);
    expect(sdk).toContain('model');
  });

  it('each sit in exactly one table, and the tables list nothing else', () => {
    expect([...placed].sort()).toEqual([...sdk].sort());
    expect(new Set(placed).size).toBe(placed.length);
  });

  it.each(Object.entries(table.honoured))(
    'honoured: %s changes the request and has a test showing its effect',
    (key, h) => {
      const without = { ...base, ...h.with };
      expect(parse({ ...without, [key]: h.value })).not.toEqual(parse(without));
      expect(h.evidence.length).toBeGreaterThan(0);
      for (const { file, test } of h.evidence) {
        const path = join(ROOT, file);
        expect(existsSync(path), file).toBe(true);
        expect(readFileSync(path, 'utf8'), `${file}: '${test}'`).toContain(test);
      }
    },
  );

  it.each(Object.entries(table.inert))('accepted without effect: %s', (key, i) => {
    expect(i.why).not.toBe('');
    expect(parse({ ...base, [key]: i.value })).toEqual(parse(base));
    expect(parse({ ...base, [key]: null })).toEqual(parse(base));
  });

  it.each(Object.entries(table.refused))('refused with a 400 naming it: %s', (key, r) => {
    const err = refusal(parse, { ...base, [key]: r.value });
    expect(err.status).toBe(400);
    expect(err.param).toBe(key);
    expect(err.message).toContain(key);
    for (const ok of [null, ...(r.accepted ?? [])])
      expect(parse({ ...base, [key]: ok })).toEqual(parse(base));
  });
});
