// The Ollama engine against a real Ollama server, when one is given:
//   PROXIMA_TEST_OLLAMA_URL=http://127.0.0.1:11434 PROXIMA_TEST_OLLAMA_MODEL=qwen3:0.6b \
//     npx vitest run --project local-node local-node/src/engine/ollama/ollama-live.test.ts
// The model must be pulled already; without it the server's first model is used.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { engineContract } from '../engine.case.ts';
import { createOllamaEngine, type OllamaEngine } from './ollama-engine.ts';

const url = process.env['PROXIMA_TEST_OLLAMA_URL'];
const wanted = process.env['PROXIMA_TEST_OLLAMA_MODEL'];

if (url === undefined || url === '') {
  describe('Ollama engine on a real Ollama server', () => {
    it.skip('skipped: set PROXIMA_TEST_OLLAMA_URL (e.g. http://127.0.0.1:11434) and PROXIMA_TEST_OLLAMA_MODEL (a pulled model) to run it', () =>
      undefined);
  });
} else {
  let engine: OllamaEngine | undefined;
  beforeAll(async () => {
    engine = await createOllamaEngine({
      host: url,
      slots: 2,
      ...(wanted ? { models: [wanted] } : {}),
    });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  engineContract(`ollama engine on ${url}`, () => {
    if (engine === undefined) throw new Error(`no engine: could not start on ${url}`);
    const model = engine.models.find((m) => (m.kind ?? 'generate') === 'generate');
    if (model === undefined) throw new Error(`${url} serves no model that generates`);
    return { engine, model: model.id };
  });
}
