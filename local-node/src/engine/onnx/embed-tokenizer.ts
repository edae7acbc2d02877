/**
 * Text to token ids for an embedding model, through @huggingface/tokenizers, truncated to the
 * model's limit the way Hugging Face truncates: the text's tokens are cut, the special tokens
 * around them ([CLS] … [SEP]) are kept.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { EmbedFiles } from './embed-files.ts';

/**
 * The part of @huggingface/tokenizers we use. Its .d.ts files import without extensions, which
 * "nodenext" resolution cannot follow, so the package's own types arrive as unresolved.
 */
interface HfTokenizer {
  encode(
    text: string,
    options?: { add_special_tokens?: boolean; return_token_type_ids?: boolean },
  ): { ids: number[]; token_type_ids?: number[] };
  token_to_id(token: string): number | undefined;
}
const HfTokenizerClass = Tokenizer as unknown as new (
  tokenizer: object,
  config: object,
) => HfTokenizer;

export interface TokenizedText {
  readonly ids: readonly number[];
  /** Segment ids (token_type_ids); zeros for tokenizers without them. */
  readonly typeIds: readonly number[];
  /** True when the text was longer than maxTokens and its tail was dropped. */
  readonly truncated: boolean;
}

/** When nothing says otherwise: BERT's position limit, which most small embedders share. */
export const DEFAULT_MAX_TOKENS = 512;
/** tokenizer_config.json says "model_max_length": 1e30 when it means "unknown". */
const PLAUSIBLE_MAX_TOKENS = 1_000_000;

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The model's token limit: sentence-transformers' max_seq_length, else tokenizer.json's
 * truncation, else tokenizer_config.json's model_max_length, else DEFAULT_MAX_TOKENS.
 */
export function maxTokensOf(files: EmbedFiles): number {
  const truncation = files.tokenizer['truncation'];
  const fromTruncation =
    typeof truncation === 'object' && truncation !== null
      ? positiveInt((truncation as Record<string, unknown>)['max_length'])
      : undefined;
  const fromConfig = positiveInt(files.tokenizerConfig['model_max_length']);
  return (
    positiveInt(files.sentenceBert?.['max_seq_length']) ??
    fromTruncation ??
    (fromConfig !== undefined && fromConfig <= PLAUSIBLE_MAX_TOKENS ? fromConfig : undefined) ??
    DEFAULT_MAX_TOKENS
  );
}

function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const content = (value as Record<string, unknown>)['content'];
    if (typeof content === 'string') return content;
  }
  return undefined;
}

/** Where `inner` sits inside `outer` as a contiguous run, or -1. */
function indexOfRun(outer: readonly number[], inner: readonly number[]): number {
  for (let start = 0; start + inner.length <= outer.length; start++) {
    let i = 0;
    while (i < inner.length && outer[start + i] === inner[i]) i++;
    if (i === inner.length) return start;
  }
  return -1;
}

export class EmbedTokenizer {
  readonly maxTokens: number;
  /** What padded positions hold; the attention mask hides them either way. */
  readonly padId: number;
  readonly #tokenizer: HfTokenizer;

  constructor(files: EmbedFiles, maxTokens: number) {
    this.#tokenizer = new HfTokenizerClass(files.tokenizer, files.tokenizerConfig);
    this.maxTokens = maxTokens;
    const specials = this.#tokenizer.encode('').ids.length;
    if (!Number.isInteger(maxTokens) || maxTokens <= specials)
      throw new Error(
        `maxTokens must be an integer above ${specials} (the tokenizer's special tokens), got ${maxTokens}`,
      );
    this.padId = this.#padId(files);
  }

  #padId(files: EmbedFiles): number {
    const padding = files.tokenizer['padding'];
    if (typeof padding === 'object' && padding !== null) {
      const id = (padding as Record<string, unknown>)['pad_id'];
      if (typeof id === 'number') return id;
    }
    for (const name of [tokenName(files.tokenizerConfig['pad_token']), '[PAD]', '<pad>']) {
      const id = name === undefined ? undefined : this.#tokenizer.token_to_id(name);
      if (id !== undefined) return id;
    }
    return 0;
  }

  encode(text: string): TokenizedText {
    const full = this.#tokenizer.encode(text, { return_token_type_ids: true });
    const fullTypes = full.token_type_ids ?? full.ids.map(() => 0);
    if (full.ids.length <= this.maxTokens)
      return { ids: full.ids, typeIds: fullTypes, truncated: false };
    const content = this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
    const start = indexOfRun(full.ids, content);
    if (start < 0) {
      // A post-processor that rewrites the text's tokens: cut the whole sequence instead.
      return {
        ids: full.ids.slice(0, this.maxTokens),
        typeIds: fullTypes.slice(0, this.maxTokens),
        truncated: true,
      };
    }
    const keep = this.maxTokens - (full.ids.length - content.length);
    const end = start + content.length;
    const cut = <T>(xs: readonly T[]): T[] => [...xs.slice(0, start + keep), ...xs.slice(end)];
    return { ids: cut(full.ids), typeIds: cut(fullTypes), truncated: true };
  }
}
