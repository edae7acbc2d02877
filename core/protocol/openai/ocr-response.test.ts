import { describe, expect, it } from 'vitest';
import { ocrResponseBody } from './ocr-response.ts';

describe('ocrResponseBody', () => {
  it('joins the lines into text and keeps only the wire fields', () => {
    const box = [
      [1, 2],
      [9, 2],
      [9, 6],
      [1, 6],
    ] as const;
    const lines = [
      { text: 'first', confidence: 0.9, box, rect: { left: 1 } },
      { text: 'second', confidence: 0.8, box },
    ];
    const body = ocrResponseBody('paddleocr-v4', lines);
    expect(body).toEqual({
      model: 'paddleocr-v4',
      text: 'first\nsecond',
      lines: [
        { text: 'first', confidence: 0.9, box },
        { text: 'second', confidence: 0.8, box },
      ],
    });
    expect(JSON.stringify(body)).not.toContain('rect');
  });

  it('answers no lines as empty text', () => {
    expect(ocrResponseBody('m', [])).toEqual({ model: 'm', text: '', lines: [] });
  });
});
