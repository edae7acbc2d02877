// The references: raw node-llama-cpp, no engine around it, with the same model, threads and greedy
// sampling the engine uses. `run` is its lowest level (the prompt evaluated, then tokens decoded one
// by one); `runCompletion` is its LlamaCompletion, the class the engine's raw completions go through,
// so the engine's own cost is the difference between that and the engine.
import {
  getLlama,
  LlamaCompletion,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from 'node-llama-cpp';
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { defaultThreads } from '../../local-node/src/engine/llama-load.ts';
import type { DecodeRun } from './decode-rate.ts';

export interface RawLlama {
  run(prompt: string, maxTokens: number): Promise<DecodeRun>;
  runCompletion(prompt: string, maxTokens: number): Promise<DecodeRun>;
  close(): Promise<void>;
}

export async function openRawLlama(modelPath: string, contextSize: number): Promise<RawLlama> {
  const llama: Llama = await getLlama({
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
  });
  const model: LlamaModel = await llama.loadModel({ modelPath });
  const threads = defaultThreads((await stat(modelPath)).size);
  const context: LlamaContext = await model.createContext({
    contextSize,
    sequences: 1,
    ...(threads === undefined ? {} : { threads }),
  });
  const sequence = context.getSequence();
  return {
    async run(prompt, maxTokens) {
      await sequence.clearHistory();
      const tokens = model.tokenize(prompt);
      const started = performance.now();
      let first = 0;
      let count = 0;
      for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
        if (count === 0) first = performance.now();
        if (model.isEogToken(token)) break;
        count++;
        if (count >= maxTokens) break;
      }
      const end = performance.now();
      return { tokens: count, firstMs: first - started, decodeMs: end - first };
    },
    async runCompletion(prompt, maxTokens) {
      await sequence.clearHistory();
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const started = performance.now();
      let first = 0;
      let count = 0;
      try {
        await completion.generateCompletion(prompt, {
          maxTokens,
          temperature: 0,
          onToken: (tokens) => {
            if (count === 0) first = performance.now();
            count += tokens.length;
          },
        });
      } finally {
        completion.dispose({ disposeSequence: false });
      }
      const end = performance.now();
      return { tokens: count, firstMs: first - started, decodeMs: end - first };
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
