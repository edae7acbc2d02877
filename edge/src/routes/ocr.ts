// POST /v1/ocr, Proxima's extension: `{"model", "image": "data:image/png;base64,..."}` →
// `{"model", "text", "lines"}`, the node's local API shape (core/protocol), read by the Function
// App's OCR models as an `ocr` burst job.
import { BURST_LIMITS } from '@proxima/core/jobs';
import { imageUrlOf, parseOcrRequest, type OcrResponseBody } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { answerWithJob } from '../burst/answer-job.ts';
import { requireBurst } from '../burst/config.ts';
import { renamer } from '../burst/errors.ts';
import type { Env } from '../env.ts';
import { readJsonBody } from './read-json.ts';

export const ocr = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

/** The largest image as a base64 data URL, plus room for the model and the JSON around it. */
export const OCR_BODY_MAX_BYTES = Math.ceil(BURST_LIMITS.imageBytes / 3) * 4 + 4096;

const ocrField = renamer({ 'input.image': 'image', 'input.model': 'model' });

// The 'chat' scope, as for embeddings: a key that may send images to a model may have them read.
ocr.post('/v1/ocr', requireApiKey('chat'), async (c) => {
  const config = requireBurst(c.env);
  const req = parseOcrRequest(
    await readJsonBody(c.req.raw, c.env, OCR_BODY_MAX_BYTES),
    'this edge',
  );
  const { result, headers } = await answerWithJob(c, config, {
    model: req.model,
    job: (id, tenant) => ({
      id,
      tenant,
      kind: 'ocr',
      input: { model: req.model, image: imageUrlOf(req.image) },
    }),
    rename: ocrField,
  });
  return c.json(result as OcrResponseBody, 200, { ...headers });
});
