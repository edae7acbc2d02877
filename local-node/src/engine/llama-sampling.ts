/**
 * OpenAI's sampling parameters as node-llama-cpp options.
 *
 * Penalties: OpenAI subtracts `count × frequency_penalty + (count > 0) × presence_penalty` from a
 * token's logit, counting the tokens generated so far. llama.cpp's penalties sampler applies the
 * same formula (llama_sampler_init_penalties, additive, any sign) over the last N generated
 * tokens; N is the whole generation here, the multiplicative repeat penalty stays off (1) and
 * newlines are penalised like any token, so the two agree. Negative values reward repetition, as
 * in OpenAI's API; llama.cpp takes them as they are.
 *
 * logit_bias: added to the logit of the token before sampling, as in OpenAI's API (±100 bans or
 * forces a token in practice). Token ids must exist in the model's vocabulary, and a bias on an
 * end-of-generation token is refused: node-llama-cpp cannot apply one.
 */
import { TokenBias } from 'node-llama-cpp';
import type { LLamaContextualRepeatPenalty, LlamaModel, Token } from 'node-llama-cpp';
import { InvalidRequestError } from './engine.ts';
import type { GenerateRequest } from './engine.ts';

export interface SamplingOptions {
  readonly repeatPenalty?: LLamaContextualRepeatPenalty;
  readonly tokenBias?: TokenBias;
}

/** Penalty and bias options for a generation of at most `maxTokens` tokens. */
export function samplingOptions(
  req: Pick<GenerateRequest, 'frequencyPenalty' | 'presencePenalty' | 'logitBias'>,
  model: LlamaModel,
  maxTokens: number,
): SamplingOptions {
  const frequencyPenalty = req.frequencyPenalty ?? 0;
  const presencePenalty = req.presencePenalty ?? 0;
  const penalised = frequencyPenalty !== 0 || presencePenalty !== 0;
  const bias = tokenBiasOf(req.logitBias ?? [], model);
  return {
    ...(penalised
      ? {
          repeatPenalty: {
            // The native sampler keeps a ring of this many tokens: bound it by the budget.
            lastTokens: Math.max(1, Math.min(maxTokens, 1 << 16)),
            penalty: 1,
            frequencyPenalty,
            presencePenalty,
            penalizeNewLine: true,
          },
        }
      : {}),
    ...(bias === undefined ? {} : { tokenBias: bias }),
  };
}

function tokenBiasOf(
  entries: NonNullable<GenerateRequest['logitBias']>,
  model: LlamaModel,
): TokenBias | undefined {
  if (entries.length === 0) return undefined;
  const vocabulary = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  const bias = new TokenBias(model.tokenizer);
  for (const [id, value] of entries) {
    const token = id as Token;
    if (!Number.isSafeInteger(id) || id < 0 || id >= vocabulary) {
      throw new InvalidRequestError(
        `logit_bias: token id ${id} is not in the model's vocabulary (ids 0-${vocabulary - 1})`,
        'logit_bias',
      );
    }
    if (model.isEogToken(token)) {
      throw new InvalidRequestError(
        `logit_bias: token id ${id} ends generation; this engine cannot bias it`,
        'logit_bias',
      );
    }
    bias.set(token, { logit: value });
  }
  return bias;
}
