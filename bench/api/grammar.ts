/**
 * Grammar cost: tokens/s of the same prompt with and without a json_schema response format,
 * max_tokens 128, in pairs sharing a seed. Which of the pair goes first alternates, so load from
 * other processes and order effects fall on both alike. Two rates per run:
 * - wall: generated tokens over request → end, prompt evaluation included (the method of
 *   llama-features.test.ts, so its figures compare);
 * - decode: the tokens after the first over first text → end. A JSON string often closes early,
 *   so constrained runs are shorter, and per-request costs (prompt, HTTP, routing) would weigh
 *   more on them in the wall rate; the decode rate leaves those out.
 */
import type { JsonSchema } from '@proxima/core/protocol';
import type { Timed } from './calls.ts';
import type { Sampling } from './requests.ts';

/** An unbounded string: the grammar is active for (nearly) every one of the 128 tokens. */
export const NOTES_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { notes: { type: 'string' } },
  required: ['notes'],
};
export const GRAMMAR_MAX_TOKENS = 128;

/** Tokens/s of both arms; index i of each pair of arrays is pair i. */
export interface GrammarRun {
  readonly free: number[];
  readonly constrained: number[];
  /** Decode rates, over the pairs where both runs had text and more than one token. */
  readonly freeDecode: number[];
  readonly constrainedDecode: number[];
  /** Generated tokens, over all runs of each kind. */
  readonly freeTokens: number;
  readonly constrainedTokens: number;
  /** Constrained answers that did not parse as JSON (a run cut by max_tokens mid-string). */
  readonly unparsed: number;
}

const wallRate = (t: Timed) => t.completionTokens / (t.ms / 1000);
function decodeRate(t: Timed): number | undefined {
  if (t.firstTextMs === undefined || t.completionTokens < 2 || t.ms <= t.firstTextMs)
    return undefined;
  return (t.completionTokens - 1) / ((t.ms - t.firstTextMs) / 1000);
}

export interface GrammarOptions {
  readonly pairs: number;
  readonly warmupPairs: number;
  readonly call: (s: Sampling) => Promise<Timed>;
  readonly label: string;
  readonly progress: (line: string) => void;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function runGrammar(o: GrammarOptions): Promise<GrammarRun> {
  const free: number[] = [];
  const constrained: number[] = [];
  const freeDecode: number[] = [];
  const constrainedDecode: number[] = [];
  let freeTokens = 0;
  let constrainedTokens = 0;
  let unparsed = 0;
  for (let pair = 0; pair < o.warmupPairs + o.pairs; pair++) {
    // temperature 0.8 and a seed per pair, so the free run does not settle into one greedy loop.
    const base: Sampling = { maxTokens: GRAMMAR_MAX_TOKENS, temperature: 0.8, seed: pair + 1 };
    const withSchema: Sampling = { ...base, schema: NOTES_SCHEMA };
    let f: Timed;
    let c: Timed;
    if (pair % 2 === 0) {
      f = await o.call(base);
      c = await o.call(withSchema);
    } else {
      c = await o.call(withSchema);
      f = await o.call(base);
    }
    if (pair < o.warmupPairs) continue;
    free.push(wallRate(f));
    constrained.push(wallRate(c));
    const [fd, cd] = [decodeRate(f), decodeRate(c)];
    if (fd !== undefined && cd !== undefined) {
      freeDecode.push(fd);
      constrainedDecode.push(cd);
    }
    freeTokens += f.completionTokens;
    constrainedTokens += c.completionTokens;
    if (!parses(c.text)) unparsed++;
    if ((pair - o.warmupPairs + 1) % 10 === 0)
      o.progress(`grammar (${o.label}): ${pair - o.warmupPairs + 1}/${o.pairs} pairs`);
  }
  return {
    free,
    constrained,
    freeDecode,
    constrainedDecode,
    freeTokens,
    constrainedTokens,
    unparsed,
  };
}
