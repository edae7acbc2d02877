/**
 * A raw completion (no chat template): the prompt as it is, or with a suffix, the middle between
 * them (FIM), which needs the model's fill-in-the-middle tokens.
 */
import { LlamaCompletion } from 'node-llama-cpp';
import type { Token } from 'node-llama-cpp';
import { ContextOverflowError, InvalidRequestError } from './engine.ts';
import {
  baseOptions,
  droppedTail,
  finishOf,
  sampleTap,
  responseGrammar,
  type JobResult,
  type LlamaJob,
} from './llama-job.ts';
import { samplingOptions } from './llama-sampling.ts';

export async function runCompletionJob(job: LlamaJob): Promise<JobResult> {
  const { ctx, sequence, req, signal, emit } = job;
  const prompt = req.prompt;
  if (prompt === undefined) throw new Error('llama engine: a completion needs a prompt');
  if ((req.tools?.length ?? 0) > 0 && req.toolChoice !== 'none')
    throw new InvalidRequestError('tools: a raw completion cannot call tools', 'tools');
  const completion = new LlamaCompletion({ contextSequence: sequence });
  try {
    const { model } = ctx;
    const suffix = prompt.suffix;
    if (suffix !== undefined && !completion.infillSupported)
      throw new InvalidRequestError(
        'suffix: this model has no fill-in-the-middle tokens',
        'suffix',
      );
    // What LlamaCompletion evaluates: [BOS] text, or [BOS] <pre> prefix <suf> suffix <mid>.
    const tokens = (text: string) => model.tokenize(text, false).length;
    const promptTokens =
      (model.tokens.shouldPrependBosToken ? 1 : 0) +
      (suffix === undefined ? tokens(prompt.text) : 3 + tokens(prompt.text) + tokens(suffix));
    if (promptTokens >= ctx.contextSize)
      throw new ContextOverflowError(promptTokens, ctx.contextSize);
    const budget = Math.min(req.maxTokens, ctx.contextSize - promptTokens);
    const tap = sampleTap(job, budget);
    const grammar = await responseGrammar(ctx, req.responseFormat);
    // LlamaCompletion reports a chunk's tokens, then its text.
    let pending: Token[] = [];
    const options = {
      ...baseOptions(req, signal),
      ...samplingOptions(req, model, budget),
      maxTokens: budget,
      customStopTriggers: req.stop.filter((s) => s !== ''),
      disableContextShift: true,
      ...(grammar === undefined ? {} : { grammar }),
      onToken: (t: Token[]) => {
        pending = t;
      },
      onTextChunk: (text: string) => {
        const logprobs = tap.claim(pending);
        pending = [];
        emit(logprobs === undefined ? { text } : { text, logprobs });
      },
    };
    const result =
      suffix === undefined
        ? await completion.generateCompletionWithMeta(prompt.text, options)
        : await completion.generateInfillCompletionWithMeta(prompt.text, suffix, options);
    const stopped = result.metadata.stopReason;
    if (stopped === 'maxTokens' || stopped === 'eogToken') emit(droppedTail(tap, model));
    return {
      finishReason: tap.capped ? 'length' : finishOf(stopped),
      usage: { promptTokens, completionTokens: tap.count },
    };
  } finally {
    completion.dispose();
  }
}
