import type { Answer, LogprobEntry, TokenLogprob } from './answer.ts';
import type { FinishReason, TokenUsage } from './chat-response.ts';
import { ToolCallFragments, type ToolCallFragment } from './tool-call-fragments.ts';
import { encodeUtf8 } from '../utf8.ts';

/**
 * An OpenAI-compatible server's answer read into Proxima's shapes: a whole `message` or a
 * stream chunk's `delta` (text, reasoning, tool calls) and `choices[0].logprobs`. Whatever else
 * it sends (its id, its model name, vendor fields) is dropped. A part that is there but malformed
 * makes the answer broken (a fault of the upstream), never silently shortened.
 */
export type Read<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

type Fields = Readonly<Record<string, unknown>>;

const fieldsOf = (v: unknown): Fields | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : null;
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function finishReasonOf(value: unknown): FinishReason {
  if (value === 'length') return 'length';
  // 'function_call' is the deprecated name of the same thing.
  if (value === 'tool_calls' || value === 'function_call') return 'tool_calls';
  return 'stop';
}

export function usageOf(usage: unknown): TokenUsage {
  const u = fieldsOf(usage);
  return {
    promptTokens: count(u?.['prompt_tokens']),
    completionTokens: count(u?.['completion_tokens']),
  };
}

function tokenLogprobOf(value: unknown): TokenLogprob | null {
  const v = fieldsOf(value);
  const token = v?.['token'];
  const logprob = v?.['logprob'];
  if (typeof token !== 'string' || typeof logprob !== 'number') return null;
  const bytes = v?.['bytes'];
  const given =
    Array.isArray(bytes) && bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255);
  // OpenAI sends null bytes for some tokens: they are the token's own UTF-8 then.
  return { token, logprob, bytes: given ? (bytes as number[]) : [...encodeUtf8(token)] };
}

/** `choices[0].logprobs`: chat's `content` entries, or the legacy lists; null when it sent none. */
export function logprobsOf(value: unknown): Read<LogprobEntry[] | null> {
  const fields = fieldsOf(value);
  if (fields !== null && Array.isArray(fields['tokens'])) return legacyLogprobsOf(fields);
  const content = fields?.['content'];
  if (content === undefined || content === null) return { ok: true, value: null };
  if (!Array.isArray(content)) return { ok: false, problem: 'logprobs.content is not a list' };
  const entries: LogprobEntry[] = [];
  for (const [i, item] of content.entries()) {
    const entry = tokenLogprobOf(item);
    const top = fieldsOf(item)?.['top_logprobs'] ?? [];
    const alternatives = Array.isArray(top) ? top.map(tokenLogprobOf) : [null];
    if (entry === null || alternatives.some((a) => a === null))
      return { ok: false, problem: `logprobs.content[${i}] is malformed` };
    entries.push({ ...entry, top: alternatives as TokenLogprob[] });
  }
  return { ok: true, value: entries };
}

/** The legacy completions shape: parallel lists, alternatives as {token: logprob} maps. */
function legacyLogprobsOf(fields: Fields): Read<LogprobEntry[]> {
  const tokens = fields['tokens'] as unknown[];
  const logprobs = fields['token_logprobs'];
  const tops = fields['top_logprobs'];
  const entries: LogprobEntry[] = [];
  for (const [i, token] of tokens.entries()) {
    const logprob: unknown = Array.isArray(logprobs) ? logprobs[i] : undefined;
    const top: unknown = Array.isArray(tops) ? tops[i] : null;
    const alternatives = top === null || top === undefined ? {} : fieldsOf(top);
    if (typeof token !== 'string' || typeof logprob !== 'number' || alternatives === null)
      return { ok: false, problem: `logprobs.tokens[${i}] is malformed` };
    const topEntries = Object.entries(alternatives);
    if (topEntries.some(([, lp]) => typeof lp !== 'number'))
      return { ok: false, problem: `logprobs.top_logprobs[${i}] is malformed` };
    entries.push({
      token,
      logprob,
      bytes: [...encodeUtf8(token)],
      top: (topEntries as Array<[string, number]>)
        .sort(([, a], [, b]) => b - a)
        .map(([t, lp]) => ({ token: t, logprob: lp, bytes: [...encodeUtf8(t)] })),
    });
  }
  return { ok: true, value: entries };
}

/** Text content: a string, or (some servers) a list of text parts; null when absent, undefined when not text. */
function textOf(content: unknown): string | null | undefined {
  if (content === undefined || content === null) return null;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.map((p) => fieldsOf(p)?.['text']);
  return texts.every((t) => typeof t === 'string') ? texts.join('') : undefined;
}

/** Reasoning as DeepSeek, vLLM and llama-server send it (`reasoning_content`) or others (`reasoning`). */
function reasoningOf(part: Fields): string {
  const r = part['reasoning_content'] ?? part['reasoning'];
  return typeof r === 'string' ? r : '';
}

/** `tool_calls` entries as fragments (a whole call is one fragment of itself). */
function fragmentsOf(value: unknown, at: string): Read<ToolCallFragment[]> {
  if (value === undefined || value === null) return { ok: true, value: [] };
  if (!Array.isArray(value)) return { ok: false, problem: `${at} is not a list` };
  const fragments: ToolCallFragment[] = [];
  for (const [i, item] of value.entries()) {
    const call = fieldsOf(item);
    const fn = fieldsOf(call?.['function']);
    const index = call?.['index'];
    const id = call?.['id'];
    const name = fn?.['name'];
    const args = fn?.['arguments'];
    if (
      call === null ||
      (index !== undefined && !(Number.isInteger(index) && (index as number) >= 0)) ||
      (id !== undefined && id !== null && typeof id !== 'string') ||
      (name !== undefined && name !== null && typeof name !== 'string')
    )
      return { ok: false, problem: `${at}[${i}] is malformed` };
    fragments.push({
      ...(index === undefined ? {} : { index: index as number }),
      ...(typeof id === 'string' ? { id } : {}),
      ...(typeof name === 'string' ? { name } : {}),
      // Some servers send the arguments as an object rather than its JSON text.
      ...(args === undefined || args === null
        ? {}
        : { arguments: typeof args === 'string' ? args : JSON.stringify(args) }),
    });
  }
  return { ok: true, value: fragments };
}

/** The legacy completions endpoint answers `text` where chat has a message or a delta. */
function legacyText(choice: Fields | null): Fields | null {
  const text = choice?.['text'];
  return typeof text === 'string' ? { content: text } : null;
}

export interface WholeAnswer {
  readonly answer: Answer;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
}

/**
 * A non-streamed completion (chat or legacy). `wantLogprobs`: the request asked for them;
 * `newId`: an id for a call sent without one.
 */
export function wholeAnswerOf(
  body: unknown,
  wantLogprobs: boolean,
  newId: (index: number) => string,
): Read<WholeAnswer> {
  const choices = fieldsOf(body)?.['choices'];
  const choice = fieldsOf(Array.isArray(choices) ? choices[0] : undefined);
  const message = fieldsOf(choice?.['message']) ?? legacyText(choice);
  if (choice === null || message === null) return { ok: false, problem: 'no choices[0].message' };
  const text = textOf(message['content']);
  if (text === undefined) return { ok: false, problem: 'message.content is not text' };
  const fragments = fragmentsOf(message['tool_calls'], 'message.tool_calls');
  if (!fragments.ok) return fragments;
  const calls = new ToolCallFragments(newId);
  // Each entry is a whole call: its position is its index, whatever index it claims.
  const added = calls.add(fragments.value.map((f, index) => ({ ...f, index })));
  if (!added.ok) return added;
  const rest = calls.finish();
  if (!rest.ok) return rest;
  const toolCalls = [...added.calls, ...rest.calls].map(({ id, name, arguments: a }) => ({
    id,
    name,
    arguments: a,
  }));
  const reasoning = reasoningOf(message);
  if (text === null && toolCalls.length === 0 && reasoning === '')
    return { ok: false, problem: 'an answer with no content, reasoning or tool calls' };
  const logprobs = logprobsOf(choice['logprobs']);
  if (!logprobs.ok) return logprobs;
  return {
    ok: true,
    value: {
      answer: {
        text: text ?? '',
        reasoning,
        toolCalls,
        logprobs: wantLogprobs ? (logprobs.value ?? []) : null,
      },
      finishReason: finishReasonOf(choice['finish_reason']),
      usage: usageOf(fieldsOf(body)?.['usage']),
    },
  };
}

/** What one stream chunk carries; tool calls still in fragments. */
export interface ChunkParts {
  readonly text: string;
  readonly reasoning: string;
  readonly fragments: readonly ToolCallFragment[];
  readonly logprobs: readonly LogprobEntry[] | null;
  /** Set on the chunk that ends the choice. */
  readonly finish: FinishReason | null;
  /** Set on the usage chunk (stream_options.include_usage). */
  readonly usage: TokenUsage | null;
}

/** A parsed stream chunk (chat or legacy). An `error` payload is a problem: its text is not ours to forward. */
export function chunkPartsOf(chunk: unknown): Read<ChunkParts> {
  const body = fieldsOf(chunk);
  if (body === null) return { ok: false, problem: 'a chunk that is not an object' };
  if (body['error'] !== undefined)
    return { ok: false, problem: 'the upstream sent an error event' };
  const choices = body['choices'];
  const choice = fieldsOf(Array.isArray(choices) ? choices[0] : undefined);
  const delta = fieldsOf(choice?.['delta']) ?? legacyText(choice) ?? {};
  const text = textOf(delta['content']);
  if (text === undefined) return { ok: false, problem: 'delta.content is not text' };
  const fragments = fragmentsOf(delta['tool_calls'], 'delta.tool_calls');
  if (!fragments.ok) return fragments;
  const logprobs = logprobsOf(choice?.['logprobs']);
  if (!logprobs.ok) return logprobs;
  const finish = choice?.['finish_reason'];
  const usage = body['usage'];
  return {
    ok: true,
    value: {
      text: text ?? '',
      reasoning: reasoningOf(delta),
      fragments: fragments.value,
      logprobs: logprobs.value,
      finish: typeof finish === 'string' ? finishReasonOf(finish) : null,
      usage: fieldsOf(usage) === null ? null : usageOf(usage),
    },
  };
}
