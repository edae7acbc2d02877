import { describe, expect, it } from 'vitest';
import { MODEL_CAPABILITIES } from '../node/messages.ts';
import {
  LOADED_UNTIL,
  ollamaCapabilities,
  ollamaPsBody,
  ollamaShowBody,
  ollamaTagsBody,
  type OllamaModelFacts,
} from './models.ts';

const demo: OllamaModelFacts = {
  id: 'proxima-demo',
  modifiedAt: '2023-11-14T22:13:20.000Z',
  capabilities: ['tools', 'json_schema', 'fim'],
  contextLength: 2048,
  embeddingOnly: false,
};

describe('Ollama model shapes', () => {
  it('names each announced capability as Ollama does', () => {
    expect(ollamaCapabilities(demo)).toEqual(['completion', 'tools', 'insert']);
    expect(ollamaCapabilities({ ...demo, capabilities: [...MODEL_CAPABILITIES] })).toEqual([
      'completion',
      'tools',
      'insert',
      'vision',
      'thinking',
      'embedding',
    ]);
    expect(ollamaCapabilities({ ...demo, capabilities: [] })).toEqual(['completion']);
    expect(ollamaCapabilities({ ...demo, embeddingOnly: true })).toEqual(['embedding']);
  });

  it('shows the context length under the architecture the model info names', () => {
    const show = ollamaShowBody(demo);
    const arch = show.model_info['general.architecture'];
    expect((show.model_info as Record<string, unknown>)[`${arch}.context_length`]).toBe(2048);
    expect(show.capabilities).toContain('tools');
    expect(show.modified_at).toBe('2023-11-14T22:13:20.000Z');
    expect(ollamaShowBody({ ...demo, contextLength: null }).model_info).toEqual({
      'general.architecture': 'proxima',
    });
  });

  it('lists tags and loaded models', () => {
    const tags = ollamaTagsBody([demo]);
    expect(tags.models[0]).toMatchObject({ name: 'proxima-demo', model: 'proxima-demo' });
    const ps = ollamaPsBody([demo]);
    expect(ps.models[0]).toMatchObject({
      name: 'proxima-demo',
      expires_at: LOADED_UNTIL,
      context_length: 2048,
    });
    expect(ps.models[0]).not.toHaveProperty('modified_at');
  });
});
