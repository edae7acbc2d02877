/**
 * The demo model's SentencePiece-style ("llama") vocabulary: 3 special tokens, 256 byte-fallback
 * tokens so any UTF-8 text tokenizes, and a few common pieces so the tokenizer has merges to do.
 */

/** llama.cpp token types (spec: tokenizer.ggml.token_type). */
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;

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

export function demoVocabulary(): Vocabulary {
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
  return { tokens, scores, types };
}
