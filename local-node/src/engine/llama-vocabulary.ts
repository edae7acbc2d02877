/** Whether a draft model's vocabulary lets it draft for the target model (llama.cpp's rule). */
import type { LlamaModel } from 'node-llama-cpp';

/** What llama.cpp compares between a draft model's vocabulary and the target's. */
export interface VocabularyFacts {
  readonly type: string;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly tokens: readonly string[];
}

export function vocabularyOf(model: LlamaModel): VocabularyFacts {
  return {
    type: String(model.vocabularyType),
    addBos: model.tokens.shouldPrependBosToken,
    addEos: model.tokens.shouldAppendEosToken,
    bos: model.tokens.bos,
    eos: model.tokens.eos,
    tokens: model.fileInfo.metadata.tokenizer?.ggml?.tokens ?? [],
  };
}

/** llama.cpp's tolerance for vocabulary sizes (SPEC_VOCAB_MAX_SIZE_DIFFERENCE). */
export const VOCABULARY_SIZE_TOLERANCE = 128;
/** llama.cpp compares token texts from this id on (SPEC_VOCAB_CHECK_START_TOKEN_ID). */
const FIRST_COMPARED_TOKEN = 5;

/**
 * Why a draft model cannot draft for the target, or undefined when it can: llama.cpp's own rule
 * (same vocabulary type and special tokens, sizes within 128, the same text for every shared id
 * from 5 on), and, stricter, no token the target lacks, since a drafted id must exist there.
 */
export function vocabularyMismatch(
  target: VocabularyFacts,
  draft: VocabularyFacts,
): string | undefined {
  if (target.type !== draft.type)
    return `vocabulary types differ (target ${target.type}, draft ${draft.type})`;
  if (
    target.addBos !== draft.addBos ||
    target.addEos !== draft.addEos ||
    target.bos !== draft.bos ||
    target.eos !== draft.eos
  )
    return 'the beginning/end-of-sequence tokens differ';
  const sizes = `target ${target.tokens.length} tokens, draft ${draft.tokens.length}`;
  if (draft.tokens.length > target.tokens.length)
    return `the draft model has tokens the target lacks (${sizes})`;
  if (target.tokens.length - draft.tokens.length > VOCABULARY_SIZE_TOLERANCE)
    return `vocabulary sizes differ by more than ${VOCABULARY_SIZE_TOLERANCE} (${sizes})`;
  for (let id = FIRST_COMPARED_TOKEN; id < draft.tokens.length; id++) {
    if (target.tokens[id] !== draft.tokens[id])
      return `token ${id} differs (target ${JSON.stringify(target.tokens[id])}, draft ${JSON.stringify(draft.tokens[id])})`;
  }
  return undefined;
}
