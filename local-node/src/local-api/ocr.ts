// POST /v1/ocr, Proxima's extension: the text in an image, read by the engine's OCR model.
// `{"model", "image": "data:image/png;base64,..."}` → `{"model", "text", "lines": [...]}`.
import { Buffer } from 'node:buffer';
import {
  imageOf,
  MODEL_ID_PATTERN,
  MODEL_ID_RULE,
  parseOrThrow,
  ProximaError,
} from '@proxima/core/protocol';
import * as z from 'zod';
import type { OcrLine, OcrResult } from '../engine/engine.ts';
import { modelOfKind } from './catalogue.ts';
import type { LocalApiContext } from './context.ts';
import { engineError } from './engine-errors.ts';

const wireOcrRequest = z.object({
  model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
  image: z.string().min(1),
});

export interface OcrResponseBody {
  readonly model: string;
  /** The lines' text, one per line, in reading order. */
  readonly text: string;
  readonly lines: readonly OcrLine[];
}

export async function recognizeWith(
  { engine, log }: LocalApiContext,
  body: unknown,
  signal: AbortSignal,
): Promise<OcrResponseBody> {
  const req = parseOrThrow(wireOcrRequest, body, 'request body');
  const image = imageOf(req.image, 'image');
  if (image.kind === 'url')
    throw new ProximaError(
      'unsupported_parameter',
      `'image' is a remote URL; this node does not fetch images: send it as a data URL (data:image/png;base64,...).`,
      { param: 'image' },
    );
  modelOfKind(engine, req.model, 'ocr');
  const work = { model: req.model, promptParam: 'image', what: 'the image' };
  if (engine.recognize === undefined)
    throw engineError(new Error('the engine has an OCR model but no recognize()'), work, log);
  let result: OcrResult;
  try {
    result = await engine.recognize(
      {
        model: req.model,
        image: { mimeType: image.mimeType, bytes: Buffer.from(image.base64, 'base64') },
      },
      signal,
    );
  } catch (err) {
    if (signal.aborted) throw new ProximaError('client_closed', 'The client went away.');
    throw engineError(err, work, log);
  }
  return {
    model: req.model,
    text: result.lines.map((l) => l.text).join('\n'),
    lines: result.lines.map((l) => ({
      text: l.text,
      confidence: l.confidence,
      box: l.box.map(([x, y]) => [x, y] as const),
    })),
  };
}
