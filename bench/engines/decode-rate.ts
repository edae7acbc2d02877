// One generation's timing: time to the first token, then the rest. The token rate is tokens over
// the whole request (wall time), as a client sees it: a path that buffers output cannot look faster
// than it is, and every path pays the same prompt evaluation.
import { performance } from 'node:perf_hooks';
import type { Engine, GenerateRequest } from '../../local-node/src/engine/engine.ts';

export interface DecodeRun {
  readonly tokens: number;
  readonly firstMs: number;
  readonly decodeMs: number;
}

export function tokenRate(run: DecodeRun): number {
  const ms = run.firstMs + run.decodeMs;
  return ms > 0 ? run.tokens / (ms / 1000) : 0;
}

/** A raw completion (no chat template), greedy, so every path evaluates the same tokens. */
export function completionRequest(
  model: string,
  prompt: string,
  maxTokens: number,
): GenerateRequest {
  return {
    model,
    messages: [],
    prompt: { text: prompt },
    maxTokens,
    temperature: 0,
    topP: 1,
    stop: [],
    seed: 1,
  };
}

export async function engineRun(engine: Engine, req: GenerateRequest): Promise<DecodeRun> {
  const started = performance.now();
  let first = 0;
  for await (const event of engine.generate(req, new AbortController().signal)) {
    if (event.type === 'delta') {
      if (first === 0) first = performance.now();
      continue;
    }
    const end = performance.now();
    return {
      tokens: event.usage.completionTokens,
      firstMs: first - started,
      decodeMs: first === 0 ? 0 : end - first,
    };
  }
  throw new Error('the engine ended without done');
}
