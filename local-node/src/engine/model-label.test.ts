import { describe, expect, it } from 'vitest';
import { describeModel, isRandomWeightModel, modelIdFromPath } from './model-label.ts';

describe('model labels', () => {
  it('derives a stable id from the file name', () => {
    expect(modelIdFromPath('/m/proxima-demo.gguf')).toBe('proxima-demo');
    expect(modelIdFromPath('C/Qwen2.5 0.5B Instruct-Q4_K_M.GGUF')).toBe(
      'qwen2.5-0.5b-instruct-q4_k_m',
    );
    expect(modelIdFromPath('/m/.gguf')).toBe('model');
  });

  it('labels random-weight models from metadata, others by name', () => {
    const demo = { name: 'proxima-demo (random weights)', architecture: 'llama' };
    expect(isRandomWeightModel(demo)).toBe(true);
    expect(describeModel(demo, 'x')).toMatch(/^demo model with random weights/);
    expect(describeModel({ name: 'Qwen2.5', architecture: 'qwen2' }, 'q')).toBe(
      'Qwen2.5 (qwen2, GGUF)',
    );
    expect(describeModel({}, 'q')).toBe('q (GGUF)');
  });
});
