// OCR jobs on the real PaddleOCR models (ONNX, CPU), through createRunners: a page rendered here
// with known text is read back.
import { Buffer } from 'node:buffer';
import { crc32, deflateSync } from 'node:zlib';
import { IMAGE_LIMITS } from '@proxima/core/protocol';
import type { OcrResponseBody } from '@proxima/core/protocol';
import type { LogLevel } from '@proxima/local-node/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from '../../../local-node/src/engine/ocr/char-accuracy.testing.ts';
import { renderPage } from '../../../local-node/src/engine/ocr/render-text.testing.ts';
import { createRunners } from './create-runners.ts';
import { job, never } from './jobs.testing.ts';
import type { JobRunner } from './runner.ts';

const LINES = ['Invoice 2291 for the spring term', 'Total due: 1,870 euros by June 12'];

const events: { level: LogLevel; event: string }[] = [];
let runner: JobRunner;
beforeAll(async () => {
  runner = await createRunners({
    foundry: null,
    ocr: { ep: 'cpu' },
    log: (level, event) => events.push({ level, event }),
  });
});
afterAll(() => runner.close());

const dataUrl = (bytes: Uint8Array, type = 'image/png') =>
  `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;

/** A PNG whose header says width × height; its pixel data is a few zero bytes (never decoded). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framing = Buffer.alloc(8);
    framing.writeUInt32BE(data.length, 0);
    framing.writeUInt32BE(crc32(typed), 4);
    return Buffer.concat([framing.subarray(0, 4), typed, framing.subarray(4)]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const pixels = chunk('IDAT', deflateSync(Buffer.alloc(100)));
  return Buffer.concat([signature, chunk('IHDR', header), pixels, chunk('IEND', Buffer.alloc(0))]);
}

const ocrJob = (image: string, model = 'paddleocr-v4') => job('ocr', { model, image });

describe('OCR jobs', { timeout: 120_000 }, () => {
  it("read a rendered page back as the node's /v1/ocr body, loading the models once", async () => {
    const fontSize = 22;
    const page = await renderPage({
      lines: LINES,
      width: 26 * fontSize,
      height: 5 * fontSize,
      fontSize,
    });
    const results = [];
    for (let i = 0; i < 2; i++) {
      const result = await runner.run(ocrJob(dataUrl(page.bytes)), never);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      results.push((result as { result: OcrResponseBody }).result);
    }
    const [body] = results;
    expect(body?.model).toBe('paddleocr-v4');
    expect(body?.lines).toHaveLength(LINES.length);
    const accuracy = charAccuracy(LINES.join('\n'), body?.text ?? '');
    expect(accuracy, body?.text).toBeGreaterThanOrEqual(0.9);
    expect(body?.text).toBe(body?.lines.map((l) => l.text).join('\n'));
    for (const line of body?.lines ?? []) {
      expect(Object.keys(line).sort()).toEqual(['box', 'confidence', 'text']);
      expect(line.box).toHaveLength(4);
      expect(line.confidence).toBeGreaterThan(0.5);
    }
    expect(results[1]).toEqual(body);
    expect(events.filter((e) => e.event === 'ocr_loaded')).toHaveLength(1);
  });

  it('fail a broken image as invalid_request, not retryable', async () => {
    const broken = dataUrl(Buffer.from('this is not a png, only words pretending'));
    const result = await runner.run(ocrJob(broken), never);
    expect(result).toMatchObject({ ok: false, code: 'invalid_request', retryable: false });
    expect(!result.ok && result.message).toMatch(/^'input\.image': The image could not be read/);
  });

  it('fail an image of too many pixels as invalid_request, not retryable, before decoding it', async () => {
    const side = Math.ceil(Math.sqrt(IMAGE_LIMITS.pixels)) + 1;
    const result = await runner.run(ocrJob(dataUrl(pngHeaderOnly(side, side))), never);
    expect(result).toMatchObject({ ok: false, code: 'invalid_request', retryable: false });
    expect(!result.ok && result.message).toContain(`has ${side * side} pixels, over the limit`);
  });

  it('fail a gif (not an OCR type) as invalid_request, not retryable', async () => {
    const gif = dataUrl(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'), 'image/gif');
    const result = await runner.run(ocrJob(gif), never);
    expect(result).toMatchObject({ ok: false, code: 'invalid_request', retryable: false });
  });

  it('fail another OCR model as model_not_found, not retryable', async () => {
    const page = await renderPage({ lines: ['x'], width: 40, height: 40, fontSize: 12 });
    const result = await runner.run(ocrJob(dataUrl(page.bytes), 'tesseract-5'), never);
    expect(result).toMatchObject({ ok: false, code: 'model_not_found', retryable: false });
  });
});

describe('without Foundry', () => {
  it('fails chat jobs, not retryably, naming FOUNDRY_ENDPOINT', async () => {
    const result = await runner.run(
      job('chat', { model: 'gpt-4o', request: { messages: [{ role: 'user', content: 'Hi' }] } }),
      never,
    );
    expect(result).toMatchObject({ ok: false, code: 'service_unavailable', retryable: false });
    expect(!result.ok && result.message).toContain('FOUNDRY_ENDPOINT');
  });
});

describe('closed runners', () => {
  it('run nothing', async () => {
    const closing = await createRunners({ foundry: null, ocr: { ep: 'cpu' } });
    await closing.close();
    await expect(closing.run(ocrJob('data:image/png;base64,AAAA'), never)).rejects.toThrow(
      /closed/,
    );
  });
});
