// POST /v1/ocr, Proxima's extension: the text in an image, read by the engine's OCR model.
// `{"model", "image": "data:image/png;base64,..."}` → `{"model", "text", "lines": [...]}`.
import { Buffer } from 'node:buffer';
import {
  ocrResponseBody,
  parseOcrRequest,
  ProximaError,
  type OcrResponseBody,
} from '@proxima/core/protocol';
import type { OcrResult } from '../engine/engine.ts';
import { modelOfKind } from './catalogue.ts';
import type { LocalApiContext } from './context.ts';
import { engineError } from './engine-errors.ts';

export async function recognizeWith(
  { engine, log }: LocalApiContext,
  body: unknown,
  signal: AbortSignal,
): Promise<OcrResponseBody> {
  const req = parseOcrRequest(body, 'this node');
  const { image } = req;
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
  return ocrResponseBody(req.model, result.lines);
}
