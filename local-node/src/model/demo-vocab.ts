/**
 * The demo model's SentencePiece-style ("llama") vocabulary: 3 special tokens, 256 byte-fallback
 * tokens so any UTF-8 text tokenizes, a few common pieces so the tokenizer has merges to do, and
 * last the fill-in-the-middle control tokens (appended, so the ids before them never move).
 */

/** llama.cpp token types (spec: tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, BYTE: 6 } as const;

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;

/** Qwen2.5-Coder's spelling of the FIM markers, which llama.cpp also recognises by text. */
export const FIM_TOKENS = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'] as const;

/** SentencePiece marks a word-initial space with U+2581. */
const SPACE = '\u2581';

/**
 * Merged pieces must be reachable pairwise (SPM merges two in-vocab symbols at a time),
 * so every multi-character piece is built from pieces listed before it.
 */
const PIECES = [
  SPACE,
  'e',
  't',
  'a',
  'o',
  'i',
  'n',
  's',
  'r',
  'h',
  `${SPACE}t`,
  'he',
  `${SPACE}the`,
  'in',
  'er',
] as const;

export interface Vocabulary {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly types: readonly number[];
}

/** Ids of the FIM control tokens: prefix, suffix, middle. */
export function fimTokenIds(): {
  readonly prefix: number;
  readonly suffix: number;
  readonly middle: number;
} {
  const first = 3 + 256 + PIECES.length;
  return { prefix: first, suffix: first + 1, middle: first + 2 };
}

/** `extra`: user-defined tokens appended last (test fixtures, e.g. "<think>"), matched in text. */
export function demoVocabulary(extra: readonly string[] = []): Vocabulary {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const scores: number[] = [0, 0, 0];
  const types: number[] = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    scores.push(0);
    types.push(TOKEN_TYPE.BYTE);
  }
  // Higher score = merged earlier; longer pieces win so "▁the" beats "▁t"+"he" leftovers.
  PIECES.forEach((piece, i) => {
    tokens.push(piece);
    scores.push(-(PIECES.length - i) + [...piece].length * 10);
    types.push(TOKEN_TYPE.NORMAL);
  });
  for (const token of FIM_TOKENS) {
    tokens.push(token);
    scores.push(0);
    types.push(TOKEN_TYPE.CONTROL);
  }
  for (const token of extra) {
    tokens.push(token);
    scores.push(0);
    types.push(TOKEN_TYPE.USER_DEFINED);
  }
  return { tokens, scores, types };
}
