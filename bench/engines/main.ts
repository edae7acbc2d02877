/**
 * bench:engines — what each engine costs over raw node-llama-cpp on the same model and prompt,
 * what speculative decoding by prompt lookup gains, and ONNX embeddings per second.
 *
 * 1. Overhead: greedy raw completions of BENCH_ENGINES_TOKENS tokens, in interleaved rounds:
 *    raw node-llama-cpp (the reference, in this process), the llama engine (in this process), and
 *    the OpenAI-compatible and Ollama engines talking to a second node's local API
 *    (`proxima node --listen`, its own process) that runs the llama engine on the same model.
 *    Overhead = 1 − path token rate / raw token rate (median rates over whole requests). Also
 *    node-llama-cpp's LlamaCompletion alone, which the engine drives: the engine's own share.
 * 2. Speculation: the llama engine with and without prompt lookup on a repetitive prompt (code
 *    to copy with one change). The demo model has random weights, so its drafts are rarely right:
 *    its figures say what speculation costs when it fails, not what it gains. Name a real GGUF in
 *    PROXIMA_BENCH_MODEL to measure the gain.
 * 3. ONNX: embeddings per second through the engine on a generated model, with raw session runs
 *    of the same batches as the reference.
 *
 *   npm run bench:engines   (env: PROXIMA_BENCH_MODEL=FILE.gguf BENCH_ENGINES_ROUNDS=7
 *                            BENCH_ENGINES_TOKENS=256 BENCH_ENGINES_ONNX_MS=4000)
 *
 * Progress on stderr; the last stdout line is JSON.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../local-node/src/engine/engine.ts';
import { createLlamaEngine } from '../../local-node/src/engine/llama-engine.ts';
import { createOllamaEngine } from '../../local-node/src/engine/ollama/ollama-engine.ts';
import { createOpenAiCompatEngine } from '../../local-node/src/engine/openai-compat/openai-compat-engine.ts';
import { writeDemoModel } from '../../local-node/src/model/demo-gguf.ts';
import { percentile, round } from '../gateway/stats.ts';
import { completionRequest, tokenRate, engineRun, type DecodeRun } from './decode-rate.ts';
import { startListenNode } from './listen-node.ts';
import { onnxEmbedFigures } from './onnx-embed.ts';
import { openRawLlama } from './raw-llama.ts';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer: ${raw}`);
  return n;
}

const ROUNDS = positiveInt('BENCH_ENGINES_ROUNDS', 7);
const TOKENS = positiveInt('BENCH_ENGINES_TOKENS', 256);
const ONNX_MS = positiveInt('BENCH_ENGINES_ONNX_MS', 4000);
const REAL_MODEL = process.env['PROXIMA_BENCH_MODEL'];
const CONTEXT = REAL_MODEL === undefined ? 2048 : 4096;
const log = (line: string) => process.stderr.write(`${line}\n`);

const PROMPT =
  'The lighthouse keeper wrote in the log every evening, and on the last night he wrote';
const CODE = `function total(items) {
  let sum = 0;
  for (const item of items) {
    if (item.price > 0) sum += item.price * item.quantity;
  }
  return sum;
}
`;
const REPETITIVE = `${CODE.repeat(3)}// The same function again, unchanged:\n${CODE}// And once more:\n`;

const median = (runs: readonly DecodeRun[]) => percentile(runs.map(tokenRate), 50);
const overheadPct = (raw: number, path: number) => round((1 - path / raw) * 100, 2);

const dir = await mkdtemp(join(tmpdir(), 'proxima-bench-engines-'));
const modelPath =
  REAL_MODEL ?? (await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 })).path;
log(
  `bench:engines — ${REAL_MODEL === undefined ? 'the demo model (random weights)' : REAL_MODEL}, ${TOKENS} tokens, ${ROUNDS} rounds`,
);
const stops: Array<() => Promise<void>> = [async () => rm(dir, { recursive: true, force: true })];
try {
  const raw = await openRawLlama(modelPath, CONTEXT);
  stops.unshift(() => raw.close());
  const llama = await createLlamaEngine({ modelPath, gpu: 'auto', contextSize: CONTEXT, slots: 1 });
  stops.unshift(() => llama.close());
  const model = llama.models[0]!.id;
  const second = await startListenNode(modelPath, CONTEXT);
  stops.unshift(() => second.stop());
  const openai = await createOpenAiCompatEngine({ baseUrl: `${second.url}/v1`, slots: 1 });
  stops.unshift(() => openai.close());
  const ollama = await createOllamaEngine({ host: second.url, slots: 1 });
  stops.unshift(() => ollama.close());

  log('1. overhead over raw node-llama-cpp');
  const paths: Array<[string, Engine]> = [
    ['llama', llama],
    ['openai_compat', openai],
    ['ollama', ollama],
  ];
  const runs = new Map<string, DecodeRun[]>([
    ['raw', []],
    ['raw_completion', []],
    ...paths.map(([n]) => [n, []] as [string, DecodeRun[]]),
  ]);
  const req = completionRequest(model, PROMPT, TOKENS);
  await raw.run(PROMPT, 8); // warm every path once
  for (const [, engine] of paths) await engineRun(engine, { ...req, maxTokens: 8 });
  for (let r = 0; r < ROUNDS; r++) {
    runs.get('raw')!.push(await raw.run(PROMPT, TOKENS));
    runs.get('raw_completion')!.push(await raw.runCompletion(PROMPT, TOKENS));
    for (const [name, engine] of paths) runs.get(name)!.push(await engineRun(engine, req));
  }
  const rates = Object.fromEntries([...runs].map(([name, list]) => [name, median(list)]));
  const tokens = Object.fromEntries([...runs].map(([name, list]) => [name, list[0]?.tokens ?? 0]));
  for (const [name, r] of Object.entries(rates))
    log(`  ${name.padEnd(14)} ${round(r, 1)} tokens/s (wall, median), ${tokens[name]} tokens`);

  log('2. speculative decoding by prompt lookup');
  const lookup = await createLlamaEngine({
    modelPath,
    gpu: 'auto',
    contextSize: CONTEXT,
    slots: 1,
    promptLookup: true,
  });
  stops.unshift(() => lookup.close());
  const specReq = completionRequest(model, REPETITIVE, Math.min(TOKENS, 192));
  const plainRuns: DecodeRun[] = [];
  const specRuns: DecodeRun[] = [];
  await engineRun(lookup, { ...specReq, maxTokens: 8 });
  for (let r = 0; r < ROUNDS; r++) {
    plainRuns.push(await engineRun(llama, specReq));
    specRuns.push(await engineRun(lookup, specReq));
  }
  const stats = lookup.speculation();
  const plainRate = median(plainRuns);
  const specRate = median(specRuns);
  log(
    `  plain ${round(plainRate, 1)} tokens/s, prompt lookup ${round(specRate, 1)} tokens/s; ` +
      `${stats.validated} drafted tokens accepted, ${stats.refuted} refuted`,
  );

  log('3. ONNX embeddings (generated model, cpu)');
  const onnx = await onnxEmbedFigures(ONNX_MS);
  log(
    `  ${round(onnx.embedPerS, 1)} embeddings/s through the engine, ${round(onnx.rawSessionPerS, 1)}/s raw session runs (batches of ${onnx.batch})`,
  );

  const summary = {
    model: REAL_MODEL === undefined ? 'proxima-demo (random weights)' : REAL_MODEL,
    tokens: TOKENS,
    rounds: ROUNDS,
    raw_tokens_per_s: round(rates['raw']!, 1),
    raw_llama_completion_tokens_per_s: round(rates['raw_completion']!, 1),
    llama_tokens_per_s: round(rates['llama']!, 1),
    openai_compat_tokens_per_s: round(rates['openai_compat']!, 1),
    ollama_tokens_per_s: round(rates['ollama']!, 1),
    overhead_pct_llama: overheadPct(rates['raw']!, rates['llama']!),
    overhead_pct_openai_compat: overheadPct(rates['raw']!, rates['openai_compat']!),
    overhead_pct_ollama: overheadPct(rates['raw']!, rates['ollama']!),
    // node-llama-cpp's own LlamaCompletion against its lowest level, and the engine against it.
    overhead_pct_llama_completion_class: overheadPct(rates['raw']!, rates['raw_completion']!),
    overhead_pct_llama_vs_completion_class: overheadPct(rates['raw_completion']!, rates['llama']!),
    per_token_ms_raw: round(1000 / rates['raw']!, 4),
    per_token_ms_llama: round(1000 / rates['llama']!, 4),
    spec_plain_tokens_per_s: round(plainRate, 1),
    spec_lookup_tokens_per_s: round(specRate, 1),
    spec_speedup: round(specRate / plainRate, 3),
    spec_accept_rate: stats.acceptanceRate === null ? null : round(stats.acceptanceRate, 4),
    spec_validated: stats.validated,
    spec_refuted: stats.refuted,
    onnx_embed_per_s: round(onnx.embedPerS, 1),
    onnx_raw_session_per_s: round(onnx.rawSessionPerS, 1),
    onnx_engine_vs_raw_ratio: round(onnx.embedPerS / onnx.rawSessionPerS, 3),
    onnx_provider: onnx.provider,
    goal_overhead_met: ['llama', 'openai_compat', 'ollama'].every(
      (p) => overheadPct(rates['raw']!, rates[p]!) <= 3,
    ),
    cpus: cpus().length,
    loadavg_1m: round(loadavg()[0] ?? 0, 2),
  };
  console.log(JSON.stringify(summary));
} finally {
  for (const stop of stops) await stop().catch((err: unknown) => log(`cleanup: ${String(err)}`));
}
