import { describe, expect, it } from 'vitest';
import { ProximaError } from '../errors.ts';
import { parseOcrRequest } from './ocr-request.ts';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function refusal(body: unknown): { code: string; param: string | null } {
  try {
    parseOcrRequest(body, 'this edge');
  } catch (err) {
    if (err instanceof ProximaError) return { code: err.code, param: err.param };
    throw err;
  }
  throw new Error('accepted');
}

describe('parseOcrRequest', () => {
  it('reads the model and the data URL', () => {
    expect(parseOcrRequest({ model: 'paddleocr-v4', image: PNG }, 'x')).toEqual({
      model: 'paddleocr-v4',
      image: { kind: 'data', mimeType: 'image/png', base64: 'iVBORw0KGgo=' },
    });
  });

  it('names the field at fault, and refuses a remote URL by name', () => {
    expect(refusal({ image: PNG })).toEqual({ code: 'invalid_request', param: 'model' });
    expect(refusal({ model: 'm' })).toEqual({ code: 'invalid_request', param: 'image' });
    expect(refusal({ model: 'm', image: 'data:image/png;base64,@@' }).param).toBe('image');
    expect(refusal({ model: 'm', image: 'data:text/plain;base64,AAAA' }).param).toBe('image');
    expect(refusal({ model: 'm', image: 'https://x.example/a.png' })).toEqual({
      code: 'unsupported_parameter',
      param: 'image',
    });
  });
});
