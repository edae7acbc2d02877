/**
 * One chat generation: the prompt from the chat template, then free text (or JSON under a
 * response_format grammar), reasoning split out, and tool calls in up to two phases:
 * - 'auto': the model writes freely, and if it writes `<tool_call>` the text stops there and a
 *   second pass writes the calls under the tools' grammar (so either answer may come);
 * - 'required' or one named tool: the turn is prefilled with `<tool_call>` and only the calls
 *   are written.
 * Running out of tokens inside the calls ends with 'length' and no calls (their JSON would not
 * parse); inside a JSON answer, likewise 'length' with the partial text, as OpenAI does.
 */
import { ThinkSplitter, type AnswerDelta } from '@proxima/core/protocol';
import { LlamaChat } from 'node-llama-cpp';
import type { ChatHistoryItem, LlamaChatResponseChunk } from 'node-llama-cpp';
import { ContextOverflowError, InvalidRequestError } from './engine.ts';
import { toHistory } from './llama-history.ts';
import {
  baseOptions,
  droppedTail,
  finishOf,
  sampleTap,
  responseGrammar,
  schemaGrammar,
  type JobResult,
  type LlamaJob,
} from './llama-job.ts';
import { promptOpensThinking, reasoningPrefill } from './llama-reasoning.ts';
import { samplingOptions } from './llama-sampling.ts';
import { parseToolCalls, TOOL_CALL_TAG, toolCallsSchema, toolInstructions } from './llama-tools.ts';

export async function runChatJob(job: LlamaJob): Promise<JobResult> {
  const { ctx, sequence, req, signal, emit } = job;
  const tools = req.tools ?? [];
  const choice = req.toolChoice ?? (tools.length > 0 ? 'auto' : 'none');
  const calling = tools.length > 0 && choice !== 'none';
  const forced = calling && choice !== 'auto';
  if (req.reasoningEffort !== undefined && !ctx.reasoning)
    throw new InvalidRequestError(
      'reasoning_effort: this model does not reason',
      'reasoning_effort',
    );
  const prefill =
    (ctx.reasoning ? reasoningPrefill(req.reasoningEffort) : '') + (req.assistantPrefix ?? '');
  const system = calling ? toolInstructions(tools) : undefined;
  const history = (prefix: string): ChatHistoryItem[] =>
    toHistory(req.messages, { prefix, ...(system === undefined ? {} : { system }) });

  const opening = history(forced ? prefill + TOOL_CALL_TAG : prefill);
  // Leave room for the prompt so generation ends with 'length' instead of shifting context.
  const { contextText } = ctx.chatWrapper.generateContextState({ chatHistory: opening });
  const promptTokens = contextText.tokenize(ctx.model.tokenizer).length;
  if (promptTokens >= ctx.contextSize)
    throw new ContextOverflowError(promptTokens, ctx.contextSize);
  const budget = Math.min(req.maxTokens, ctx.contextSize - promptTokens);
  const sampling = samplingOptions(req, ctx.model, budget);
  const tap = sampleTap(job);
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: ctx.chatWrapper });
  const usage = () => ({ promptTokens, completionTokens: tap.count });
  try {
    let written = '';
    if (!forced) {
      const splitter = ctx.reasoning
        ? new ThinkSplitter({ startInside: promptOpensThinking(contextText.toString()) })
        : undefined;
      const grammar = await responseGrammar(ctx, req.responseFormat);
      const onResponseChunk = (chunk: LlamaChatResponseChunk): void => {
        const logprobs = tap.claim(chunk.tokens);
        const withLogprobs = logprobs === undefined ? {} : { logprobs };
        // Templates node-llama-cpp knows mark reasoning as segments themselves.
        if (chunk.type === 'segment') {
          emit({ text: '', reasoning: chunk.text, ...withLogprobs });
          return;
        }
        written += chunk.text;
        const split = splitter ? splitter.push(chunk.text) : { text: chunk.text, reasoning: '' };
        emit({ ...reasoningDelta(split), ...withLogprobs });
      };
      const result = await chat.generateResponse(opening, {
        ...baseOptions(req, signal),
        ...sampling,
        maxTokens: budget,
        customStopTriggers: [
          ...req.stop.filter((s) => s !== ''),
          ...(calling ? [TOOL_CALL_TAG] : []),
        ],
        ...(grammar === undefined ? {} : { grammar }),
        onResponseChunk,
      });
      const { metadata } = result;
      if (metadata.stopReason === 'maxTokens' || metadata.stopReason === 'eogToken') {
        const tail = droppedTail(tap, ctx.model);
        const split = splitter ? splitter.push(tail.text) : { text: tail.text, reasoning: '' };
        emit({ ...tail, ...reasoningDelta(split) });
      }
      if (splitter) emit(reasoningDelta(splitter.end()));
      const calledTools =
        metadata.stopReason === 'customStopTrigger' &&
        metadata.customStopTrigger.join('') === TOOL_CALL_TAG;
      if (!calledTools) return { finishReason: finishOf(metadata.stopReason), usage: usage() };
    }
    // The calls, under a grammar: they always parse and match their tools' schemas.
    const left = budget - tap.count;
    if (left <= 0) return { finishReason: 'length', usage: usage() };
    const grammar = await schemaGrammar(
      ctx,
      toolCallsSchema(tools, choice, req.parallelToolCalls ?? true),
      'tools',
    );
    const calls = await chat.generateResponse(history(prefill + written + TOOL_CALL_TAG), {
      ...baseOptions(req, signal),
      ...sampling,
      maxTokens: left,
      grammar,
    });
    if (calls.metadata.stopReason === 'maxTokens')
      return { finishReason: 'length', usage: usage() };
    emit({ text: '', toolCalls: parseToolCalls(calls.response, ctx.newCallId) });
    return { finishReason: 'tool_calls', usage: usage() };
  } finally {
    chat.dispose();
  }
}

function reasoningDelta(split: { text: string; reasoning: string }): AnswerDelta {
  return split.reasoning === '' ? { text: split.text } : split;
}
