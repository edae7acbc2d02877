import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { BURST_LIMITS } from './limits.ts';
import { decodedBytes, parseJob, type BurstJobInput } from './schema.ts';

const ID = 'job_0123456789abcdef';
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function refusal(value: unknown): { code: string; param: string | null; message: string } {
  try {
    parseJob(value);
  } catch (err) {
    if (err instanceof ProximaError)
      return { code: err.code, param: err.param, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

const chat: BurstJobInput = {
  id: ID,
  tenant: 'acme',
  kind: 'chat',
  input: { model: 'gpt-4o-mini', request: { messages: [{ role: 'user', content: 'hi' }] } },
};

describe('parseJob', () => {
  it('accepts each kind', () => {
    expect(parseJob(chat).kind).toBe('chat');
    const vision = {
      ...chat,
      kind: 'vision',
      input: {
        model: 'gpt-4o',
        request: {
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
        },
      },
    };
    expect(parseJob(vision).kind).toBe('vision');
    expect(
      parseJob({ ...chat, kind: 'ocr', input: { model: 'paddleocr-v4', image: PNG } }).kind,
    ).toBe('ocr');
    const audio = { base64: 'UklGRg==', filename: 'a.wav', mimeType: 'audio/wav' };
    const job = parseJob({ ...chat, kind: 'transcribe', input: { model: 'whisper', audio } });
    expect(job.kind === 'transcribe' && job.input.responseFormat).toBe('json');
  });

  it('names the field at fault', () => {
    expect(refusal({ ...chat, id: 'x' }).param).toBe('id');
    expect(refusal({ ...chat, tenant: 'a b' }).param).toBe('tenant');
    expect(refusal({ ...chat, kind: 'video' }).param).toBe('kind');
    expect(refusal({ ...chat, extra: 1 }).code).toBe('invalid_request');
    expect(refusal({ ...chat, input: { ...chat.input, request: { messages: [] } } }).param).toBe(
      'input.request.messages',
    );
    const streamed = { ...chat.input.request, stream: true };
    expect(refusal({ ...chat, input: { ...chat.input, request: streamed } }).param).toBe(
      'input.request.stream',
    );
    expect(refusal({ ...chat, callback: { url: 'ftp://x/' } }).param).toBe('callback.url');
  });

  it('keeps images to vision jobs and needs one there', () => {
    const withImage = {
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
    };
    expect(refusal({ ...chat, input: { ...chat.input, request: withImage } }).param).toBe('kind');
    expect(refusal({ ...chat, kind: 'vision' }).param).toBe('input.request.messages');
  });

  it('refuses remote images, oversized media and broken base64', () => {
    const ocr = { ...chat, kind: 'ocr' };
    expect(refusal({ ...ocr, input: { model: 'm', image: 'https://x.example/a.png' } }).param).toBe(
      'input.image',
    );
    expect(
      refusal({ ...ocr, input: { model: 'm', image: 'data:image/png;base64,@@' } }).param,
    ).toBe('input.image');
    const big = 'A'.repeat(Math.ceil((BURST_LIMITS.imageBytes + 3) / 3) * 4);
    const tooBig = refusal({
      ...ocr,
      input: { model: 'm', image: `data:image/png;base64,${big}` },
    });
    expect(tooBig).toMatchObject({ code: 'payload_too_large', param: 'input.image' });
    const audio = (base64: string, mimeType = 'audio/wav') => ({
      ...chat,
      kind: 'transcribe',
      input: { model: 'whisper', audio: { base64, filename: 'a.wav', mimeType } },
    });
    expect(refusal(audio('abc')).param).toBe('input.audio.base64');
    expect(refusal(audio('UklGRg==', 'video/mp4')).param).toBe('input.audio.mimeType');
    const long = 'A'.repeat(Math.ceil((BURST_LIMITS.audioBytes + 3) / 3) * 4);
    expect(refusal(audio(long))).toMatchObject({ code: 'payload_too_large', param: 'input.audio' });
  });

  it('sizes the job body for the largest audio file as base64', () => {
    expect(decodedBytes('UklGRg==')).toBe(4);
    expect(decodedBytes('AAAA')).toBe(3);
    expect(BURST_LIMITS.jobBodyBytes).toBeGreaterThan(Math.ceil(BURST_LIMITS.audioBytes / 3) * 4);
  });
});
