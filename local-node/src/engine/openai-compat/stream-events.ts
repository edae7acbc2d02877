/**
 * A server's streamed chunks (chat or legacy completions) as GenerateEvents: text, reasoning and
 * log probabilities as they come, each tool call whole once its fragments are in, then one done.
 */
import {
  chunkPartsOf,
  deltaBeyondText,
  ToolCallFragments,
  type AnswerDelta,
  type CompletedCalls,
  type ToolCallDelta,
} from '@proxima/core/protocol';
import type { FinishReason, GenerateEvent, Usage } from '../engine.ts';

const broken = (problem: string): Error =>
  new Error(`openai-compatible engine: the server sent a malformed stream: ${problem}`);

function completed(result: CompletedCalls): readonly ToolCallDelta[] {
  if (!result.ok) throw broken(result.problem);
  return result.calls;
}

/** `newCallId`: an id for a call the server sent without one. */
export async function* generateEventsOf(
  chunks: AsyncIterable<unknown>,
  newCallId: (index: number) => string,
): AsyncGenerator<GenerateEvent, void, undefined> {
  const calls = new ToolCallFragments(newCallId);
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  let contentChunks = 0;
  let sentCalls = 0;
  for await (const chunk of chunks) {
    const parts = chunkPartsOf(chunk);
    if (!parts.ok) throw broken(parts.problem);
    const { text, reasoning, fragments, logprobs } = parts.value;
    const toolCalls = completed(calls.add(fragments));
    sentCalls += toolCalls.length;
    const delta: AnswerDelta = {
      text,
      ...(reasoning === '' ? {} : { reasoning }),
      ...(toolCalls.length === 0 ? {} : { toolCalls }),
      ...(logprobs === null || logprobs.length === 0 ? {} : { logprobs }),
    };
    if (text !== '' || reasoning !== '' || fragments.length > 0) contentChunks++;
    if (text !== '' || deltaBeyondText(delta)) yield { type: 'delta', ...delta };
    finish = parts.value.finish ?? finish;
    usage = parts.value.usage ?? usage;
  }
  const rest = completed(calls.finish());
  sentCalls += rest.length;
  if (rest.length > 0) yield { type: 'delta', text: '', toolCalls: rest };
  yield {
    type: 'done',
    // Some servers end a turn of calls with 'stop'; the turn still asks for its calls' results.
    finishReason: sentCalls > 0 && finish !== 'length' ? 'tool_calls' : (finish ?? 'stop'),
    // A server that sends no usage (it ignored stream_options): most stream one token per
    // chunk, so the content chunks are the best count there is; the prompt is not counted.
    usage: usage ?? { promptTokens: 0, completionTokens: contentChunks },
  };
}
