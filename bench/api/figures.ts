/** The reported figures of each phase, rounded, with paired-bootstrap 95 % intervals. */
import { percentile, round } from '../gateway/stats.ts';
import { median, p50Difference, p50Ratio, pairedBootstrap, type Interval } from './bootstrap.ts';
import type { DialectRun } from './dialect.ts';
import type { GrammarRun } from './grammar.ts';

const ci = (i: Interval) => [round(i.low), round(i.high)];
const p = (xs: readonly number[], q: number) => round(percentile(xs, q));

export function dialectFigures(run: DialectRun, seed: number) {
  const { ollama, openai, engine } = run.ms;
  return {
    ollama_vs_openai_added_p50_ms: round(p50Difference(ollama, openai)),
    ollama_vs_openai_added_p50_ms_ci95: ci(pairedBootstrap(ollama, openai, p50Difference, seed)),
    ollama_vs_openai_paired_median_diff_ms: round(
      median(ollama.map((x, i) => x - (openai[i] ?? Number.NaN))),
    ),
    ollama_p50_ms: p(ollama, 50),
    ollama_p99_ms: p(ollama, 99),
    openai_p50_ms: p(openai, 50),
    openai_p99_ms: p(openai, 99),
    engine_p50_ms: p(engine, 50),
    engine_p99_ms: p(engine, 99),
    /** What the edge adds to the node's own generation time (OpenAI dialect). */
    edge_added_p50_ms: round(p50Difference(openai, engine)),
    edge_added_p50_ms_ci95: ci(pairedBootstrap(openai, engine, p50Difference, seed + 1)),
    completion_tokens: run.completionTokens,
    text_mismatches: run.textMismatches,
    rounds: ollama.length,
  };
}

export function grammarFigures(g: GrammarRun, seed: number) {
  const pairs = g.free.length;
  return {
    tokens_per_s_ratio: round(p50Ratio(g.constrained, g.free)),
    tokens_per_s_ratio_ci95: ci(pairedBootstrap(g.constrained, g.free, p50Ratio, seed)),
    tokens_per_s_free: round(median(g.free), 0),
    tokens_per_s_json_schema: round(median(g.constrained), 0),
    decode_tokens_per_s_ratio: round(p50Ratio(g.constrainedDecode, g.freeDecode)),
    decode_tokens_per_s_ratio_ci95: ci(
      pairedBootstrap(g.constrainedDecode, g.freeDecode, p50Ratio, seed + 1),
    ),
    decode_tokens_per_s_free: round(median(g.freeDecode), 0),
    decode_tokens_per_s_json_schema: round(median(g.constrainedDecode), 0),
    mean_tokens_free: round(g.freeTokens / pairs, 1),
    mean_tokens_json_schema: round(g.constrainedTokens / pairs, 1),
    json_unparsed: g.unparsed,
    pairs,
  };
}
