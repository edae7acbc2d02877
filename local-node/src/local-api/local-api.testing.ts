// A local API over the real llama engine on the demo model, for tests: one per test file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../agent/log.ts';
import type { Engine } from '../engine/engine.ts';
import { createLlamaEngine } from '../engine/llama-engine.ts';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { startLocalApi, type LocalApi } from './server.ts';

export const DEMO_MODEL = 'proxima-demo';

export interface DemoApi {
  readonly engine: Engine;
  readonly api: LocalApi;
  close(): Promise<void>;
}

export interface DemoApiOptions {
  readonly apiKey?: string;
  /** Wraps the llama engine (e.g. to watch what it is asked). */
  readonly wrap?: (engine: Engine) => Engine;
  readonly log?: Logger;
}

export async function startDemoApi(options: DemoApiOptions = {}): Promise<DemoApi> {
  const dir = await mkdtemp(join(tmpdir(), 'proxima-local-api-'));
  const modelPath = (await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 })).path;
  const llama = await createLlamaEngine({ modelPath, gpu: 'auto', contextSize: 2048, slots: 2 });
  const engine = options.wrap ? options.wrap(llama) : llama;
  const api = await startLocalApi({
    engine,
    host: '127.0.0.1',
    port: 0,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return {
    engine,
    api,
    close: async () => {
      await api.close();
      await llama.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
