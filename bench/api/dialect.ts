/**
 * Dialect cost: the same small request as Ollama (/api/chat) and as OpenAI
 * (/v1/chat/completions) through the edge, plus the engine in process as the reference. Each
 * round sends one of each, back to back, in a seeded random order, so order effects and machine
 * noise fall on every kind alike and the rounds pair up for the bootstrap.
 */
import { seededRng } from '@proxima/core/lsh';
import type { Timed } from './calls.ts';

export const KINDS = ['ollama', 'openai', 'engine'] as const;
export type Kind = (typeof KINDS)[number];

export interface DialectRun {
  /** Latency in ms per kind; index i is round i for every kind. */
  readonly ms: Record<Kind, number[]>;
  /** Rounds in which a kind's text differed from the engine's (temperature 0: should be none). */
  readonly textMismatches: Record<Kind, number>;
  readonly completionTokens: number;
}

export interface DialectOptions {
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly seed: number;
  readonly call: Record<Kind, () => Promise<Timed>>;
  readonly progress: (line: string) => void;
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function runDialects(o: DialectOptions): Promise<DialectRun> {
  const rng = seededRng(o.seed);
  const ms: Record<Kind, number[]> = { ollama: [], openai: [], engine: [] };
  const textMismatches: Record<Kind, number> = { ollama: 0, openai: 0, engine: 0 };
  let completionTokens = 0;
  for (let round = 0; round < o.warmupRounds + o.rounds; round++) {
    const got = new Map<Kind, Timed>();
    for (const kind of shuffled(KINDS, () => rng.next())) got.set(kind, await o.call[kind]());
    if (round < o.warmupRounds) continue;
    const reference = got.get('engine')!;
    completionTokens = reference.completionTokens;
    for (const kind of KINDS) {
      const t = got.get(kind)!;
      ms[kind].push(t.ms);
      if (t.text !== reference.text || t.completionTokens !== reference.completionTokens)
        textMismatches[kind]++;
    }
    if ((round - o.warmupRounds + 1) % 100 === 0)
      o.progress(`dialects: ${round - o.warmupRounds + 1}/${o.rounds} rounds`);
  }
  return { ms, textMismatches, completionTokens };
}
