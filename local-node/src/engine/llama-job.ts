/** What one generation on a node-llama-cpp sequence needs and returns, for chat and completions. */
import type { AnswerDelta } from '@proxima/core/protocol';
import type { ChatWrapper, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { InvalidRequestError } from './engine.ts';
import type { FinishReason, GenerateRequest, Usage } from './engine.ts';
import { UnenforceableSchemaError } from './gbnf-schema.ts';
import type { GrammarCache } from './llama-grammar.ts';
import { SampleTap } from './llama-logprobs.ts';

export interface LlamaJobContext {
  readonly model: LlamaModel;
  readonly chatWrapper: ChatWrapper;
  readonly contextSize: number;
  readonly grammars: GrammarCache;
  /** The model reasons in <think> sections: split them out as reasoning. */
  readonly reasoning: boolean;
  /** A fresh tool call id ("call_…"). */
  readonly newCallId: () => string;
}

export interface LlamaJob {
  readonly ctx: LlamaJobContext;
  readonly sequence: LlamaContextSequence;
  readonly req: GenerateRequest;
  readonly signal: AbortSignal;
  /** Streams a delta; empty ones are dropped by the caller. */
  readonly emit: (delta: AnswerDelta) => void;
}

export interface JobResult {
  readonly finishReason: FinishReason;
  readonly usage: Usage;
}

/** The grammar `responseFormat` asks for, if any. */
export async function responseGrammar(
  ctx: LlamaJobContext,
  format: GenerateRequest['responseFormat'],
): Promise<LlamaGrammar | undefined> {
  if (format === undefined) return undefined;
  if (format.type === 'json_object') return ctx.grammars.jsonObject();
  return schemaGrammar(ctx, format.schema, 'response_format');
}

/** A grammar for `schema`; a schema that admits nothing the grammar can write is the caller's. */
export async function schemaGrammar(
  ctx: LlamaJobContext,
  schema: Parameters<GrammarCache['jsonSchema']>[0],
  param: string,
): Promise<LlamaGrammar> {
  try {
    return await ctx.grammars.jsonSchema(schema);
  } catch (err) {
    if (err instanceof UnenforceableSchemaError)
      throw new InvalidRequestError(
        `${param}: the schema cannot be enforced: ${err.message}`,
        param,
      );
    throw err;
  }
}

/** Counts the job's sampled tokens (at most `limit`), with log probabilities when asked for. */
export function sampleTap(job: LlamaJob, limit?: number): SampleTap {
  return new SampleTap(job.sequence, job.ctx.model, job.req.logprobs, limit);
}

/** Generation options shared by chat and completions. */
export function baseOptions(req: GenerateRequest, signal: AbortSignal) {
  return {
    temperature: req.temperature,
    ...(req.temperature > 0 ? { topP: req.topP } : {}),
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
    signal,
    stopOnAbortSignal: false,
  };
}

/**
 * The text of sampled tokens that were never emitted, when generation ended on its budget or
 * on end-of-generation (after a stop string they are the stop string, and stay unsaid).
 */
export function droppedTail(tap: SampleTap, model: LlamaModel): AnswerDelta {
  const tokens = tap.unclaimed();
  const text = tokens.length === 0 ? '' : model.detokenize(tokens, false);
  const logprobs = tap.claim(tokens);
  return logprobs === undefined ? { text } : { text, logprobs };
}

export function finishOf(stopReason: string): FinishReason {
  return stopReason === 'maxTokens' ? 'length' : 'stop';
}

/** True when a delta carries nothing. */
export function emptyDelta(d: AnswerDelta): boolean {
  return (
    d.text === '' &&
    (d.reasoning ?? '') === '' &&
    (d.toolCalls?.length ?? 0) === 0 &&
    (d.logprobs?.length ?? 0) === 0
  );
}
