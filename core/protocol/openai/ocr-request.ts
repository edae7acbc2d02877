// An OCR request, Proxima's extension of OpenAI's API: `{"model", "image"}` with the image as a
// data URL. The node's `POST /v1/ocr` and the edge's (which sends it to the Function App as an
// `ocr` burst job) read it here, so both accept and refuse the same bodies.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { MODEL_ID_PATTERN, MODEL_ID_RULE } from '../limits.ts';
import { parseOrThrow } from '../validation.ts';
import { imageOf, type ImageInput } from './images.ts';

const wireOcrRequest = z.object({
  model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
  image: z.string().min(1),
});

export interface OcrRequest {
  readonly model: string;
  readonly image: Extract<ImageInput, { kind: 'data' }>;
}

/** A body as an OcrRequest, or a 400 naming the field; a remote image URL is refused by name. */
export function parseOcrRequest(body: unknown, who: string): OcrRequest {
  const req = parseOrThrow(wireOcrRequest, body, 'request body');
  const image = imageOf(req.image, 'image');
  if (image.kind === 'url')
    throw new ProximaError(
      'unsupported_parameter',
      `'image' is a remote URL; ${who} does not fetch images: send it as a data URL (data:image/png;base64,...).`,
      { param: 'image' },
    );
  return { model: req.model, image };
}
