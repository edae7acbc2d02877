import { describe, expect, it } from 'vitest';
import { engineInfoOf } from './ollama-info.ts';
import {
  capabilitiesOf,
  contextOf,
  engineModelOf,
  kindOf,
  modelIdOf,
  numCtxParameter,
  resolveNames,
  trainedContext,
  versionAtLeast,
  type ModelFacts,
  type OllamaShow,
} from './ollama-models.ts';
import { normaliseHost } from './ollama-options.ts';

/** /api/show of llava as Ollama's API documentation gives it (trimmed). */
const LLAVA: OllamaShow = {
  parameters:
    'num_keep                       24\nstop                           "<|start_header_id|>"\nstop                           "<|eot_id|>"',
  details: { family: 'llama', parameter_size: '8.0B', quantization_level: 'Q4_0' },
  model_info: { 'general.architecture': 'llama', 'llama.context_length': 8192 },
  capabilities: ['completion', 'vision'],
};
const QWEN3: OllamaShow = {
  parameters: 'num_ctx 16384\ntemperature 0.6',
  model_info: { 'general.architecture': 'qwen3', 'qwen3.context_length': 40960 },
  capabilities: ['completion', 'tools', 'thinking', 'insert'],
};
const NOMIC: OllamaShow = {
  model_info: { 'general.architecture': 'nomic-bert', 'nomic-bert.context_length': 2048 },
  capabilities: ['embedding'],
};

const facts = (show: OllamaShow, over: Partial<ModelFacts> = {}): ModelFacts => ({
  id: 'm',
  name: 'm:latest',
  show,
  host: 'http://gpu-box:11434',
  logprobs: true,
  ...over,
});

describe('Ollama model facts', () => {
  it('compares versions, treating development builds as old', () => {
    expect(versionAtLeast('0.12.0', '0.12.0')).toBe(true);
    expect(versionAtLeast('0.12.10', '0.12.9')).toBe(true);
    expect(versionAtLeast('1.0.0', '0.12.0')).toBe(true);
    expect(versionAtLeast('0.13.0-rc1', '0.12.0')).toBe(true);
    expect(versionAtLeast('0.11.11', '0.12.0')).toBe(false);
    expect(versionAtLeast('0.0.0', '0.12.0')).toBe(false);
    expect(versionAtLeast('unknown', '0.12.0')).toBe(false);
  });

  it('reads the context from num_ctx, else the trained length', () => {
    expect(numCtxParameter(QWEN3.parameters)).toBe(16384);
    expect(numCtxParameter(LLAVA.parameters)).toBeUndefined();
    expect(numCtxParameter(null)).toBeUndefined();
    expect(trainedContext(LLAVA.model_info)).toBe(8192);
    expect(trainedContext({ 'general.architecture': 'x' })).toBeUndefined();
    expect(contextOf(facts(LLAVA))).toEqual({ contextSize: 8192, assumed: false });
    expect(contextOf(facts(QWEN3))).toEqual({ contextSize: 16384, assumed: false });
    // The operator's context, capped by the model's own.
    expect(contextOf(facts(QWEN3, { contextSize: 4096 })).contextSize).toBe(4096);
    expect(contextOf(facts(LLAVA, { contextSize: 100_000 })).contextSize).toBe(8192);
    // Loaded with a shorter context than the model's: that is what it runs with.
    expect(contextOf(facts(LLAVA, { loadedContext: 4096 })).contextSize).toBe(4096);
    expect(contextOf(facts(LLAVA, { loadedContext: 4096, contextSize: 6000 })).contextSize).toBe(
      6000,
    );
    expect(contextOf(facts({ capabilities: ['completion'] }))).toEqual({
      contextSize: 4096,
      assumed: true,
    });
  });

  it('maps capabilities: completion models take schemas and penalties, never logit bias', () => {
    expect(capabilitiesOf(LLAVA, true)).toEqual(['json_schema', 'penalties', 'logprobs', 'vision']);
    expect(capabilitiesOf(QWEN3, false)).toEqual([
      'tools',
      'json_schema',
      'penalties',
      'fim',
      'reasoning',
    ]);
    expect(capabilitiesOf(NOMIC, true)).toEqual(['embeddings']);
    expect(kindOf(NOMIC)).toBe('embed');
    expect(kindOf({ capabilities: ['image'] })).toBeNull();
  });

  it('describes a model and how it is reached', () => {
    expect(
      engineModelOf(facts(QWEN3, { id: 'box/qwen3', keepAlive: 300, contextSize: 8192 })),
    ).toEqual({
      id: 'box/qwen3',
      contextSize: 8192,
      description: 'm:latest on the Ollama server at http://gpu-box:11434',
      capabilities: ['tools', 'json_schema', 'penalties', 'logprobs', 'fim', 'reasoning'],
      target: { name: 'm:latest', reasoning: true, keepAlive: 300, numCtx: 8192 },
    });
    expect(engineModelOf(facts(LLAVA))?.description).toBe(
      'm:latest (llama, 8.0B, Q4_0) on the Ollama server at http://gpu-box:11434',
    );
    expect(engineModelOf(facts(NOMIC))).toMatchObject({ kind: 'embed', contextSize: 2048 });
    expect(engineModelOf(facts({ capabilities: ['image'] }))).toBeNull();
  });

  it("finds named models, with or without ':latest', and names the missing ones", () => {
    const listed = ['llama3.2:latest', 'qwen3:8b'];
    expect([...resolveNames(['llama3.2', 'qwen3:8b'], listed, 'http://h')]).toEqual([
      ['llama3.2', 'llama3.2:latest'],
      ['qwen3:8b', 'qwen3:8b'],
    ]);
    expect(() => resolveNames(['qwen3', 'gemma3'], listed, 'http://h')).toThrow(
      "the Ollama server at http://h has no model 'qwen3', 'gemma3' (it has llama3.2:latest, qwen3:8b)",
    );
    expect(() => resolveNames(['x'], [], 'http://h')).toThrow(/\(it has none\)/);
  });

  it('makes ids from a prefix and the name, when valid', () => {
    expect(modelIdOf('gpu1/', 'qwen3:8b')).toBe('gpu1/qwen3:8b');
    expect(modelIdOf('', 'hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M')).toBe(
      'hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M',
    );
    expect(modelIdOf('', 'has space')).toBeNull();
  });
});

describe('engineInfoOf', () => {
  it('reports VRAM the loaded models hold, and where they sit', () => {
    // /api/ps of mistral as Ollama's API documentation gives it.
    expect(
      engineInfoOf([{ name: 'mistral:latest', size: 5137025024, size_vram: 5137025024 }]),
    ).toEqual({
      engine: 'ollama',
      gpu: 'gpu',
      vramTotalBytes: 5137025024,
      vramFreeBytes: 0,
    });
    expect(engineInfoOf([{ size: 2_000_000_000, size_vram: 0 }]).gpu).toBe('cpu');
    expect(engineInfoOf([]).gpu).toBe('unknown');
    expect(
      engineInfoOf([
        { size: 10, size_vram: 4 },
        { size: 8, size_vram: 8 },
      ]).vramTotalBytes,
    ).toBe(12);
  });
});

describe('normaliseHost', () => {
  it('adds http:// and drops a trailing slash', () => {
    expect(normaliseHost('127.0.0.1:11434')).toBe('http://127.0.0.1:11434');
    expect(normaliseHost('https://ollama.example/')).toBe('https://ollama.example');
    expect(normaliseHost('http://box:11434/proxy/')).toBe('http://box:11434/proxy');
    expect(() => normaliseHost('')).toThrow(/host is required/);
    expect(() => normaliseHost('http://a b')).toThrow(/must be a URL/);
    expect(() => normaliseHost('http://box?x=1')).toThrow(/query/);
  });
});
