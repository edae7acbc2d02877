import type OpenAI from 'openai';

/** One tool call as a client assembles it from its streamed fragments. */
export interface AssembledCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** A streamed chat answer joined the way a client joins it. */
export interface StreamedAnswer {
  readonly content: string;
  /** `reasoning_content` deltas, joined (a field the openai client passes through untyped). */
  readonly reasoning: string;
  /** Calls by their `index`, each id and name from its first delta, arguments concatenated. */
  readonly toolCalls: AssembledCall[];
  readonly finish: string | null;
  readonly logprobs: OpenAI.ChatCompletionTokenLogprob[];
  readonly usage: OpenAI.CompletionUsage | undefined;
  /** Chunks that carried content. */
  readonly contentChunks: number;
}

type Delta = OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

/** Reads a chat completion stream to its end. Throws on a delta that contradicts an earlier one. */
export async function collectChatStream(
  stream: AsyncIterable<OpenAI.ChatCompletionChunk>,
): Promise<StreamedAnswer> {
  let content = '';
  let reasoning = '';
  let finish: string | null = null;
  let contentChunks = 0;
  let usage: OpenAI.CompletionUsage | undefined;
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  const logprobs: OpenAI.ChatCompletionTokenLogprob[] = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as Delta;
    if (delta.content) {
      content += delta.content;
      contentChunks++;
    }
    reasoning += delta.reasoning_content ?? '';
    for (const part of delta.tool_calls ?? []) {
      const call = (calls[part.index] ??= { id: '', name: '', arguments: '' });
      for (const [key, value] of [
        ['id', part.id],
        ['name', part.function?.name],
      ] as const) {
        if (value === undefined || value === '') continue;
        if (call[key] !== '' && call[key] !== value)
          throw new Error(`tool call ${part.index} changed its ${key} mid-stream`);
        call[key] = value;
      }
      call.arguments += part.function?.arguments ?? '';
    }
    logprobs.push(...(choice.logprobs?.content ?? []));
    finish = choice.finish_reason ?? finish;
  }
  if ([...calls].some((c) => c === undefined)) throw new Error('a tool call index was skipped');
  return { content, reasoning, toolCalls: calls, finish, logprobs, usage, contentChunks };
}

/** The calls of a whole (non-streamed) message, in the assembled shape. */
export function callsOf(message: OpenAI.ChatCompletionMessage): AssembledCall[] {
  return (message.tool_calls ?? []).map((c) => {
    if (c.type !== 'function') throw new Error(`unexpected ${c.type} tool call`);
    return { id: c.id, name: c.function.name, arguments: c.function.arguments };
  });
}
