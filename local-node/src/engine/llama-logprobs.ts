/**
 * Sampled tokens: how many, and their log probabilities with the top alternatives.
 *
 * LlamaChat and LlamaCompletion sample through `sequence.evaluate()`, which is
 * `evaluateWithMetadata(tokens, {}, options)` without the metadata. The tap replaces `evaluate`
 * on the job's own sequence with the same call (asking for `probabilities` when log
 * probabilities are wanted), counts every sampled token, keeps each one's distribution, and hands
 * them out as the text chunks that hold those tokens are emitted. The distribution is the one
 * the token was drawn from: after logit_bias, penalties and the grammar, and (at temperature > 0)
 * after top-k/top-p truncation and temperature; at temperature 0 it is the model's own softmax.
 * Alternatives outside it are not listed, so `top` may hold fewer than asked.
 */
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { LogprobEntry, TokenLogprob } from '@proxima/core/protocol';

interface Sampled {
  readonly token: Token;
  readonly probabilities: ReadonlyMap<Token, number>;
}

type Evaluate = LlamaContextSequence['evaluate'];

/**
 * Watches what a sequence samples: how many tokens (the usage count, exact even where
 * node-llama-cpp's meter is not) and, when `top` is given, each one's distribution.
 */
export class SampleTap {
  readonly #sampled: Sampled[] = [];
  readonly #model: LlamaModel;
  readonly #top: number;
  readonly #bytes: (token: Token) => number[];
  readonly #record: boolean;
  #count = 0;

  #capped = false;

  /**
   * Starts watching `sequence`, which must be used by this job alone. With `limit`, once that
   * many tokens are sampled the tap answers end-of-generation instead of sampling more:
   * LlamaCompletion samples past its maxTokens to finish a character, and then drops it.
   */
  constructor(sequence: LlamaContextSequence, model: LlamaModel, top?: number, limit?: number) {
    this.#model = model;
    this.#top = top ?? 0;
    this.#bytes = tokenBytesOf(model);
    const record = top !== undefined;
    this.#record = record;
    const onSample = (token: Token, probabilities: ReadonlyMap<Token, number> | undefined) => {
      this.#count++;
      this.#sampled.push({ token, probabilities: probabilities ?? new Map() });
    };
    const eog = model.tokens.eos ?? model.tokens.eot;
    const full = (): boolean => limit !== undefined && eog !== null && this.#count >= limit;
    const cap = (): Token => {
      this.#capped = true;
      return eog!;
    };
    const evaluate: Evaluate = async function* (tokens, options) {
      const it = sequence.evaluateWithMetadata(tokens, { probabilities: record }, options);
      let input: Token | Token[] | undefined;
      try {
        for (;;) {
          if (full()) {
            input = (yield cap()) as Token | Token[] | undefined;
            continue;
          }
          const step = await it.next(input);
          if (step.done === true) return;
          const { token, probabilities } = step.value as {
            token: Token;
            probabilities?: Map<Token, number>;
          };
          onSample(token, probabilities);
          input = (yield token) as Token | Token[] | undefined;
        }
      } finally {
        await it.return();
      }
    };
    Object.defineProperty(sequence, 'evaluate', { value: evaluate, configurable: true });
  }

  /** Tokens sampled so far (an end-of-generation token too). */
  get count(): number {
    return this.#count;
  }

  /** The limit ended the generation (it saw an end-of-generation token the model never chose). */
  get capped(): boolean {
    return this.#capped;
  }

  /**
   * Marks `tokens` as emitted (in this order) and returns their entries; undefined unless `top`
   * was given. Tokens never emitted (a stop string's, a grammar's trailer) are passed over.
   */
  claim(tokens: readonly Token[]): LogprobEntry[] | undefined {
    const entries: LogprobEntry[] = [];
    for (const token of tokens) {
      const at = this.#sampled.findIndex((s) => s.token === token);
      if (at < 0) continue;
      const [sampled] = this.#sampled.splice(0, at + 1).slice(-1);
      entries.push(this.#entry(sampled!));
    }
    return this.#record ? entries : undefined;
  }

  /**
   * Sampled tokens nobody emitted yet, end-of-generation ones left out: node-llama-cpp holds back
   * a token that ends inside a character and drops it when generation stops there.
   */
  unclaimed(): Token[] {
    return this.#sampled.map((s) => s.token).filter((t) => !this.#model.isEogToken(t));
  }

  #entry({ token, probabilities }: Sampled): LogprobEntry {
    const top: TokenLogprob[] = [];
    // The map is sorted, most likely first.
    for (const [t, p] of probabilities) {
      if (top.length >= this.#top) break;
      top.push(this.#logprob(t, p));
    }
    return { ...this.#logprob(token, probabilities.get(token) ?? 0), top };
  }

  #logprob(token: Token, probability: number): TokenLogprob {
    return {
      token: this.#model.detokenize([token], false),
      // Float rounding can put a certain token a hair above 1.
      logprob: Math.min(0, Math.max(Math.log(probability), -9999)),
      bytes: this.#bytes(token),
    };
  }
}

/**
 * A token's bytes. Its text alone loses them when the token is part of a character (decoded as
 * U+FFFD), so byte tokens are read from the vocabulary: SentencePiece's "<0xE2>", and GPT-2
 * byte-level BPE, where each byte is stored as one printable character.
 */
function tokenBytesOf(model: LlamaModel): (token: Token) => number[] {
  const tokenizer = model.fileInfo.metadata.tokenizer?.ggml;
  const pieces = tokenizer?.tokens ?? [];
  const byteLevel = tokenizer?.model === 'gpt2';
  const decode = byteLevel ? gpt2ByteDecoder() : undefined;
  return (token) => {
    const piece = pieces[token];
    const byte = piece === undefined ? null : /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    if (byte) return [parseInt(byte[1]!, 16)];
    if (decode && piece !== undefined && [...piece].every((c) => decode.has(c)))
      return [...piece].map((c) => decode.get(c)!);
    return [...Buffer.from(model.detokenize([token], false), 'utf8')];
  };
}

/** GPT-2's bytes_to_unicode, inverted: printable stand-in character -> byte. */
function gpt2ByteDecoder(): Map<string, number> {
  const direct: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) direct.push(b);
  for (let b = 0xa1; b <= 0xac; b++) direct.push(b);
  for (let b = 0xae; b <= 0xff; b++) direct.push(b);
  const map = new Map<string, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const code = direct.includes(b) ? b : 256 + shifted++;
    map.set(String.fromCodePoint(code), b);
  }
  return map;
}
