import { describe, expect, it } from 'vitest';
import { ProximaError } from '../errors.ts';
import { chatParamNamer, generateParamNamer, renameError, sharedParamOf } from './params.ts';

describe('Ollama parameter names', () => {
  it('renames the shared OpenAI fields and paths below them', () => {
    expect(sharedParamOf('max_tokens')).toBe('options.num_predict');
    expect(sharedParamOf('stop[1]')).toBe('options.stop[1]');
    expect(sharedParamOf('response_format')).toBe('format');
    expect(sharedParamOf('response_format.json_schema.schema.properties.a.minimum')).toBe(
      'format.properties.a.minimum',
    );
    expect(sharedParamOf('reasoning_effort')).toBe('think');
    expect(sharedParamOf('stopper')).toBeNull();
    expect(sharedParamOf('tools[0].function.parameters')).toBeNull();
  });

  it('names images of chat messages, and tool_name where it found the call', () => {
    const namer = chatParamNamer(new Set([2]), new Set([4]));
    expect(namer('messages[2].content[0].text')).toBe('messages[2].content');
    expect(namer('messages[2].content[3].image_url.url')).toBe('messages[2].images[2]');
    // The vision capability names a message's content: with images, its images.
    expect(namer('messages[2].content')).toBe('messages[2].images');
    expect(namer('messages[1].content')).toBe('messages[1].content');
    expect(namer('messages[4].tool_call_id')).toBe('messages[4].tool_name');
    expect(namer('messages[3].tool_call_id')).toBe('messages[3].tool_call_id');
  });

  it('names prompt, system and images of a generate request', () => {
    const namer = generateParamNamer(1, true);
    expect(namer('messages[1].content[0].text')).toBe('prompt');
    expect(namer('messages[1].content[1].image_url.url')).toBe('images[0]');
    expect(namer('messages[1].content')).toBe('images');
    expect(namer('messages[0].content')).toBe('system');
    expect(namer('messages')).toBe('prompt');
    expect(generateParamNamer(0, false)('messages[0].content')).toBe('prompt');
  });

  it('renames an error in its param and message, keeping code, retry and headers', () => {
    const err = new ProximaError('unsupported_parameter', `'response_format' needs json_schema.`, {
      param: 'response_format',
      retryAfter: 3,
      headers: { 'x-a': 'b' },
    });
    const renamed = renameError(err, chatParamNamer(new Set(), new Set()));
    expect(renamed).toBeInstanceOf(ProximaError);
    const e = renamed as ProximaError;
    expect([e.code, e.param, e.message, e.retryAfter, e.headers]).toEqual([
      'unsupported_parameter',
      'format',
      `'format' needs json_schema.`,
      3,
      { 'x-a': 'b' },
    ]);
    const plain = new Error('x');
    expect(renameError(plain, () => 'y')).toBe(plain);
    const unnamed = new ProximaError('no_capacity', 'busy');
    expect(renameError(unnamed, () => 'y')).toBe(unnamed);
  });
});
