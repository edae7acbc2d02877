import { IMAGE_LIMITS } from '@proxima/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCanvas } from '@napi-rs/canvas';
import { InvalidRequestError, type Engine, type OcrLine, type OcrResult } from '../engine.ts';
import { ExecutionProviderError } from '../onnx/execution-providers.ts';
import { charAccuracy } from './char-accuracy.testing.ts';
import { DETECTION_MAX_SIDE } from './detect-text.ts';
import { createOcrEngine, DEFAULT_OCR_MODEL_ID } from './ocr-engine.ts';
import { renderPage, type RenderedPage } from './render-text.testing.ts';

const LINES = [
  'Meeting notes for the third quarter',
  'Budget approved: 12,400 dollars',
  'Next review on March 14 at 10:30',
  'Send questions to the planning team',
];
const never = new AbortController().signal;

let engine: Engine;
beforeAll(async () => {
  engine = await createOcrEngine({ ep: 'cpu' });
});
afterAll(() => engine.close());

function recognize(e: Engine, bytes: Uint8Array, mimeType = 'image/png'): Promise<OcrResult> {
  return e.recognize!({ model: DEFAULT_OCR_MODEL_ID, image: { mimeType, bytes } }, never);
}

/** Every expected line read with at least `min` character accuracy, in order, nothing extra. */
function expectLines(lines: readonly OcrLine[], expected: readonly string[], min = 0.9): void {
  expect(lines.map((l) => l.text)).toHaveLength(expected.length);
  expected.forEach((text, i) => {
    const line = lines[i]!;
    expect(
      charAccuracy(text, line.text),
      `line ${i}: '${line.text}' for '${text}'`,
    ).toBeGreaterThanOrEqual(min);
    expect(line.confidence).toBeGreaterThan(0.5);
    expect(line.confidence).toBeLessThanOrEqual(1);
  });
}

/** The line's box covers at least `min` of where the text was drawn. */
function expectCovers(line: OcrLine, drawn: RenderedPage['boxes'][number], min = 0.8): void {
  const [[left, top], , [right, bottom]] = line.box as [
    [number, number],
    unknown,
    [number, number],
  ];
  const w = Math.min(right, drawn.right) - Math.max(left, drawn.left);
  const h = Math.min(bottom, drawn.bottom) - Math.max(top, drawn.top);
  const covered =
    (Math.max(0, w) * Math.max(0, h)) / ((drawn.right - drawn.left) * (drawn.bottom - drawn.top));
  expect(
    covered,
    `box ${JSON.stringify(line.box)} over ${JSON.stringify(drawn)}`,
  ).toBeGreaterThanOrEqual(min);
  // …and is not much bigger than it.
  expect(right - left).toBeLessThan((drawn.right - drawn.left) * 1.3);
  expect(bottom - top).toBeLessThan((drawn.bottom - drawn.top) * 2.5);
}

async function page(format: 'png' | 'jpeg' | 'webp', fontSize = 22): Promise<RenderedPage> {
  return renderPage(
    { lines: LINES, width: 26 * fontSize, height: Math.round(8.5 * fontSize), fontSize },
    format,
  );
}

describe('createOcrEngine', { timeout: 120_000 }, () => {
  it('serves one ocr model and reports the provider that ran', async () => {
    expect(engine.models).toEqual([
      expect.objectContaining({ id: 'paddleocr-v4', kind: 'ocr', capabilities: [] }),
    ]);
    expect(await engine.info()).toEqual({
      engine: 'onnx-ocr',
      gpu: 'cpu',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  });

  it('reads several lines of a png in reading order, boxes where the text is', async () => {
    const png = await page('png');
    const { lines } = await recognize(engine, png.bytes);
    expectLines(lines, LINES);
    lines.forEach((line, i) => expectCovers(line, png.boxes[i]!));
  });

  it.each(['jpeg', 'webp'] as const)('reads a %s', async (format) => {
    const image = await page(format);
    const { lines } = await recognize(engine, image.bytes, `image/${format}`);
    expectLines(lines, LINES);
  });

  it('reads small text (14 px)', async () => {
    const { lines } = await recognize(engine, (await page('png', 14)).bytes);
    expectLines(lines, LINES, 0.85);
  });

  it('shrinks a big page for detection and keeps boxes in its own pixels', async () => {
    const lines = [
      'Top of a large scanned page',
      'Halfway down the page',
      'Bottom line near the end',
    ];
    // An A4 page at 300 dpi, lines at its top, middle and bottom.
    const big = await renderPage({
      lines,
      width: 2480,
      height: 3508,
      fontSize: 48,
      left: 300,
      top: 200,
      lineSpacing: 1500,
    });
    const { lines: read } = await recognize(engine, big.bytes);
    expectLines(read, lines);
    read.forEach((line, i) => expectCovers(line, big.boxes[i]!));
    // The last line lies far beyond the detector's input size: its box was scaled back.
    expect(big.boxes[2]!.top).toBeGreaterThan(2 * DETECTION_MAX_SIDE);
  });

  it('returns no lines for a blank page', async () => {
    const blank = await renderPage({ lines: [], width: 400, height: 300, fontSize: 20 });
    expect(await recognize(engine, blank.bytes)).toEqual({ lines: [] });
  });

  it('gives the same answers to overlapping calls', async () => {
    const images = await Promise.all([page('png', 16), page('jpeg', 18), page('png', 20)]);
    const one = [];
    for (const image of images) one.push(await recognize(engine, image.bytes, mime(image)));
    const all = await Promise.all(
      images.map((image) => recognize(engine, image.bytes, mime(image))),
    );
    expect(all).toEqual(one);
  });

  it('stops when the job is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    const png = await page('png');
    await expect(
      engine.recognize!(
        { model: DEFAULT_OCR_MODEL_ID, image: { mimeType: 'image/png', bytes: png.bytes } },
        controller.signal,
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('refusals', { timeout: 120_000 }, () => {
  async function refusal(promise: Promise<unknown>, param: string): Promise<string> {
    const err: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).param).toBe(param);
    return (err as Error).message;
  }

  it('refuses other image types, by label or by content', async () => {
    const png = await page('png');
    expect(await refusal(recognize(engine, png.bytes, 'image/gif'), 'image')).toMatch(/image\/gif/);
    expect(await refusal(recognize(engine, png.bytes, 'application/pdf'), 'image')).toMatch(
      /image\/png, image\/jpeg, image\/webp/,
    );
    const canvas = createCanvas(64, 32);
    canvas.getContext('2d').fillRect(0, 0, 10, 10);
    const gif = await canvas.encode('gif');
    expect(await refusal(recognize(engine, gif, 'image/png'), 'image')).toMatch(/gif/);
  });

  it('refuses corrupt bytes', async () => {
    const png = (await page('png')).bytes;
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    await refusal(recognize(engine, truncated), 'image');
    await refusal(recognize(engine, new TextEncoder().encode('not an image at all')), 'image');
    await refusal(recognize(engine, new Uint8Array(0)), 'image');
  });

  it('refuses an image over the pixel bound before decoding it', async () => {
    const small = await createOcrEngine({ ep: 'cpu', maxImagePixels: 100 * 100 });
    try {
      const image = await renderPage({ lines: ['x'], width: 101, height: 100, fontSize: 20 });
      expect(await refusal(recognize(small, image.bytes), 'image')).toMatch(/10100 pixels.*10000/);
      const fits = await renderPage({ lines: [], width: 100, height: 100, fontSize: 20 });
      expect(await recognize(small, fits.bytes)).toEqual({ lines: [] });
    } finally {
      await small.close();
    }
  });

  it('takes no pixel bound above core IMAGE_LIMITS.pixels, nor a bad model id', async () => {
    await expect(createOcrEngine({ ep: 'cpu', id: 'has space' })).rejects.toThrow(/model id/);
    await expect(
      createOcrEngine({ ep: 'cpu', maxImagePixels: IMAGE_LIMITS.pixels + 1 }),
    ).rejects.toThrow(/maxImagePixels/);
  });

  it('refuses another model, and chat, naming model', async () => {
    const png = await page('png');
    await refusal(
      engine.recognize!(
        { model: 'other', image: { mimeType: 'image/png', bytes: png.bytes } },
        never,
      ),
      'model',
    );
    const chat = engine.generate(
      {
        model: DEFAULT_OCR_MODEL_ID,
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 8,
        temperature: 0,
        topP: 1,
        stop: [],
      },
      never,
    );
    await refusal(chat[Symbol.asyncIterator]().next(), 'model');
  });
});

describe('execution providers', { timeout: 120_000 }, () => {
  it('takes a model id, and runs on the provider auto picks here', async () => {
    const auto = await createOcrEngine({ ep: 'auto', id: 'ocr-auto' });
    try {
      expect(auto.models[0]!.id).toBe('ocr-auto');
      const { gpu } = await auto.info();
      expect(gpu).not.toBe('auto');
      const { lines } = await auto.recognize!(
        { model: 'ocr-auto', image: { mimeType: 'image/png', bytes: (await page('png')).bytes } },
        never,
      );
      expectLines(lines, LINES);
    } finally {
      await auto.close();
    }
  });

  it('fails to start on a named provider this runtime lacks', async () => {
    await expect(createOcrEngine({ ep: 'vitisai' })).rejects.toBeInstanceOf(ExecutionProviderError);
  });
});

function mime(image: RenderedPage): string {
  return image.bytes[0] === 0xff ? 'image/jpeg' : 'image/png';
}
