/**
 * bench:api — what the API surface costs. Runs the real fleet (the edge in workerd, one
 * `proxima node` serving the demo model) plus the same model's engine in this process:
 *
 * 1. Dialect cost: one small request (max_tokens 8, temperature 0, fixed seed) as Ollama's
 *    /api/chat and as OpenAI's /v1/chat/completions, with the in-process engine's generation time
 *    for the same request as the reference, in interleaved rounds. Both dialects share one answer
 *    path, so ollama_vs_openai_added_p50_ms should be ≈ 0; its paired-bootstrap 95 % interval says
 *    how close the run can tell.
 * 2. Grammar cost: tokens/s with and without a json_schema response format (max_tokens 128), in
 *    alternating pairs, on the engine in process (json_schema_tokens_per_s_ratio: the cleaner
 *    figure, wall rate as llama-features.test.ts measures it; also in grammar_engine) and
 *    streamed through the edge (grammar_edge). Decode rates (first text → end) are reported
 *    beside them: see grammar.ts.
 *
 *   npm run bench:api   (env: BENCH_API_ROUNDS=600 BENCH_API_GRAMMAR_PAIRS=100
 *                        BENCH_API_EDGE_GRAMMAR_PAIRS=60 BENCH_API_SEED=1)
 *
 * Progress on stderr; the last stdout line is JSON.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFleet, type Fleet } from '../../local-node/src/dev/fleet.ts';
import type { Engine } from '../../local-node/src/engine/engine.ts';
import { createLlamaEngine } from '../../local-node/src/engine/llama-engine.ts';
import { round } from '../gateway/stats.ts';
import { edgeCaller, edgeStreamCaller, engineCall } from './calls.ts';
import { runDialects } from './dialect.ts';
import { dialectFigures, grammarFigures } from './figures.ts';
import { GRAMMAR_MAX_TOKENS, runGrammar } from './grammar.ts';
import {
  engineRequest,
  ollamaBody,
  openaiBody,
  parseOllama,
  parseOpenai,
  type Sampling,
} from './requests.ts';

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min}, got ${String(raw)}`);
  return value;
}

const ROUNDS = envInt('BENCH_API_ROUNDS', 600, 1);
const WARMUP_ROUNDS = 50;
const GRAMMAR_PAIRS = envInt('BENCH_API_GRAMMAR_PAIRS', 100, 1);
const EDGE_GRAMMAR_PAIRS = envInt('BENCH_API_EDGE_GRAMMAR_PAIRS', 60, 1);
const SEED = envInt('BENCH_API_SEED', 1, 0);
/** The dialect request: a few tokens, greedy, so every answer is the same text. */
const SMALL: Sampling = { maxTokens: 8, temperature: 0, seed: 7 };

const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () => loadavg().map((x) => round(x, 2));

const started = performance.now();
const loadStart = load();
log(
  `bench:api: ${ROUNDS} rounds, ${GRAMMAR_PAIRS} engine / ${EDGE_GRAMMAR_PAIRS} edge grammar pairs, load ${loadStart.join(' ')}`,
);
const stateDir = await mkdtemp(join(tmpdir(), 'proxima-bench-api-'));
const recent: string[] = [];
let fleet: Fleet | undefined;
let engine: Engine | undefined;
try {
  fleet = await startFleet({
    stateDir,
    port: 0,
    nodes: 1,
    onLine: (name, line) => {
      recent.push(`${name}: ${line}`);
      if (recent.length > 30) recent.shift();
    },
  });
  const model = fleet.info.models[0];
  if (model === undefined) throw new Error('the fleet serves no model');
  // The node's own engine, as `proxima node` makes it (defaults), on the same file.
  engine = await createLlamaEngine({ modelPath: fleet.modelPath, gpu: 'auto' });
  const local = engine;
  if (local.models[0]?.id !== model)
    throw new Error(`engine serves ${local.models[0]?.id}, the fleet ${model}`);
  log(`fleet up at ${fleet.info.url}, model ${model}`);

  const edge = edgeCaller(fleet.info.url, fleet.info.apiKey);
  const edgeStream = edgeStreamCaller(fleet.info.url, fleet.info.apiKey);
  const dialects = await runDialects({
    rounds: ROUNDS,
    warmupRounds: WARMUP_ROUNDS,
    seed: SEED,
    call: {
      ollama: () => edge('/api/chat', ollamaBody(model, SMALL), parseOllama),
      openai: () => edge('/v1/chat/completions', openaiBody(model, SMALL), parseOpenai),
      engine: () => engineCall(local, engineRequest(model, SMALL)),
    },
    progress: log,
  });

  const engineGrammar = await runGrammar({
    pairs: GRAMMAR_PAIRS,
    warmupPairs: 2,
    call: (s) => engineCall(local, engineRequest(model, s)),
    label: 'engine',
    progress: log,
  });
  const edgeGrammar = await runGrammar({
    pairs: EDGE_GRAMMAR_PAIRS,
    warmupPairs: 2,
    call: (s) => edgeStream(openaiBody(model, s, true)),
    label: 'edge',
    progress: log,
  });

  const dialect = dialectFigures(dialects, SEED);
  const grammarEngine = grammarFigures(engineGrammar, SEED + 2);
  const grammarEdge = grammarFigures(edgeGrammar, SEED + 4);
  for (const kind of ['ollama', 'openai', 'engine'] as const)
    log(
      `${kind.padEnd(6)}  p50 ${dialect[`${kind}_p50_ms`]} ms  p99 ${dialect[`${kind}_p99_ms`]} ms`,
    );
  for (const [name, g] of [
    ['engine', grammarEngine],
    ['edge', grammarEdge],
  ] as const)
    log(
      `grammar ${name}: ${g.tokens_per_s_free} tokens/s free, ${g.tokens_per_s_json_schema} under json_schema; decode ${g.decode_tokens_per_s_free} / ${g.decode_tokens_per_s_json_schema} (${g.pairs} pairs)`,
    );

  const { ollama_vs_openai_added_p50_ms, ...dialectRest } = dialect;
  const result = {
    ollama_vs_openai_added_p50_ms,
    json_schema_tokens_per_s_ratio: grammarEngine.tokens_per_s_ratio,
    json_schema_ratio_measured_on:
      'the engine in process (local-node/src/engine), wall rate; the edge figures are in grammar_edge',
    ...dialectRest,
    warmup_rounds: WARMUP_ROUNDS,
    grammar_engine: grammarEngine,
    grammar_edge: grammarEdge,
    grammar_max_tokens: GRAMMAR_MAX_TOKENS,
    load_avg_start: loadStart,
    load_avg_end: load(),
    cpus: cpus().length,
    seed: SEED,
    duration_s: round((performance.now() - started) / 1000, 1),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  for (const line of recent) log(line);
  throw err;
} finally {
  await engine?.close();
  await fleet?.stop();
  await rm(stateDir, { recursive: true, force: true });
}
