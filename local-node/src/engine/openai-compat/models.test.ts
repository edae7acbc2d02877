import { describe, expect, it } from 'vitest';
import { ASSUMED_CONTEXT, servedModelsOf } from './models.ts';
import { validateOpenAiCompatOptions, type OpenAiCompatEngineOptions } from './options.ts';

const options = (over: Partial<OpenAiCompatEngineOptions> = {}) =>
  validateOpenAiCompatOptions({ baseUrl: 'http://user:secret@127.0.0.1:1234/v1/', ...over });

/** Entries as each server lists them (trimmed to the fields that matter). */
const LLAMA_SERVER = {
  id: 'qwen2.5-7b-instruct-q4_k_m.gguf',
  object: 'model',
  owned_by: 'llamacpp',
  meta: { vocab_type: 2, n_vocab: 151936, n_ctx_train: 32768, n_embd: 3584 },
};
const VLLM = { id: 'Qwen/Qwen2.5-7B-Instruct', object: 'model', max_model_len: 16384 };
const LM_STUDIO = { id: 'lmstudio-community/qwen', object: 'model', max_context_length: 8192 };
const PROXIMA = {
  id: 'proxima-demo',
  object: 'model',
  proxima: {
    context_length: 2048,
    capabilities: ['tools', 'logprobs', 'teleport'],
    kind: 'generate',
  },
};
const PROXIMA_EMBED = {
  id: 'minilm',
  object: 'model',
  proxima: { context_length: 256, capabilities: ['embeddings'], kind: 'embed' },
};
const PLAIN = { id: 'gpt-4o-mini', object: 'model', owned_by: 'openai' };

describe('servedModelsOf', () => {
  it('reads each vendor’s context field, and Proxima’s capabilities and kind', () => {
    const { served, notes } = servedModelsOf(
      [LLAMA_SERVER, VLLM, LM_STUDIO, PROXIMA, PROXIMA_EMBED],
      options({ capabilities: ['json_schema'] }),
    );
    expect(notes).toEqual([]);
    expect(served.map((s) => [s.upstreamId, s.model.contextSize])).toEqual([
      [LLAMA_SERVER.id, 32768],
      [VLLM.id, 16384],
      [LM_STUDIO.id, 8192],
      ['proxima-demo', 2048],
      ['minilm', 256],
    ]);
    // The operator's declared capabilities for generation, plus what Proxima announces (known ones).
    expect(served[0]?.model.capabilities).toEqual(['json_schema']);
    expect(served[3]?.model).toEqual({
      id: 'proxima-demo',
      contextSize: 2048,
      description: 'proxima-demo on the OpenAI-compatible server http://127.0.0.1:1234/v1',
      capabilities: ['tools', 'json_schema', 'logprobs'],
    });
    expect(served[4]?.model).toMatchObject({ kind: 'embed', capabilities: ['embeddings'] });
  });

  it('uses the contextSize option where the server says nothing, else assumes 4096 and says so', () => {
    expect(
      servedModelsOf([PLAIN], options({ contextSize: 1000 })).served[0]?.model.contextSize,
    ).toBe(1000);
    const { served, notes } = servedModelsOf([PLAIN], options());
    expect(served[0]?.model.contextSize).toBe(ASSUMED_CONTEXT);
    expect(notes).toEqual([
      "'gpt-4o-mini': the server does not say its context size; assuming 4096",
    ]);
    // The server's word beats the option.
    expect(
      servedModelsOf([VLLM], options({ contextSize: 1000 })).served[0]?.model.contextSize,
    ).toBe(16384);
  });

  it('serves only the named models, under the prefix; a name the server lacks is an error', () => {
    const { served } = servedModelsOf(
      [LLAMA_SERVER, VLLM, PLAIN],
      options({ models: [VLLM.id], idPrefix: 'gpu1/' }),
    );
    expect(served.map((s) => [s.model.id, s.upstreamId])).toEqual([[`gpu1/${VLLM.id}`, VLLM.id]]);
    expect(() => servedModelsOf([VLLM, PLAIN], options({ models: ['llama3', VLLM.id] }))).toThrow(
      "http://127.0.0.1:1234/v1 does not serve 'llama3'; it lists 'Qwen/Qwen2.5-7B-Instruct', 'gpt-4o-mini'",
    );
    expect(() => servedModelsOf([], options())).toThrow(/lists no model this node can serve/);
  });

  it('skips ids a node cannot announce and OCR models, saying why', () => {
    const { served, notes } = servedModelsOf(
      [{ id: 'has space' }, { id: 'ocr', proxima: { kind: 'ocr' } }, PROXIMA, { name: 'no id' }],
      options(),
    );
    expect(served.map((s) => s.model.id)).toEqual(['proxima-demo']);
    expect(notes).toEqual([
      "skipped 'has space': 'has space' is not a usable model id",
      "skipped 'ocr': OCR models are not served through this engine",
    ]);
    expect(() => servedModelsOf([{ id: 'has space' }], options({ models: ['has space'] }))).toThrow(
      /'has space' is not a usable model id/,
    );
  });
});

describe('validateOpenAiCompatOptions', () => {
  it('keeps the URL without its trailing slash, and hides user info where it is shown', () => {
    const v = options({ models: ['a', 'a'], capabilities: ['tools', 'tools'] });
    expect(v).toMatchObject({
      baseUrl: 'http://user:secret@127.0.0.1:1234/v1',
      shownUrl: 'http://127.0.0.1:1234/v1',
      models: ['a'],
      capabilities: ['tools'],
      slots: 4,
      idPrefix: '',
    });
  });

  it('refuses bad values with errors naming them', () => {
    const bad: [Partial<OpenAiCompatEngineOptions>, RegExp][] = [
      [{ baseUrl: '' }, /baseUrl is required/],
      [{ baseUrl: 'localhost:1234' }, /baseUrl must be http\(s\)/],
      [{ baseUrl: 'not a url' }, /baseUrl is not a URL/],
      [{ baseUrl: 'http://h/v1?x=1' }, /must not carry a query/],
      [{ slots: 0 }, /slots must be an integer from 1 to 1024, got 0/],
      [{ contextSize: 1.5 }, /contextSize must be an integer/],
      [{ capabilities: ['telepathy' as 'tools'] }, /unknown capability "telepathy"/],
      [{ idPrefix: 'a b' }, /idPrefix must be/],
      [{ models: [] }, /must name at least one model/],
      [{ apiKey: '' }, /apiKey, when given, must not be empty/],
    ];
    for (const [over, message] of bad) expect(() => options(over)).toThrow(message);
  });
});
