// What a burst job is, checked at both ends: the edge builds one from a client request, the
// Function App accepts it only when it parses here. A chat job carries the client's OpenAI body as
// the edge normalised it; an OCR or transcription job carries its media as base64.
import * as z from 'zod';
import { ProximaError } from '../protocol/errors.ts';
import {
  ID_PATTERN,
  ID_RULE,
  MODEL_ID_PATTERN,
  MODEL_ID_RULE,
  utf8Length,
} from '../protocol/limits.ts';
import { imageOf } from '../protocol/openai/images.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import { BURST_LIMITS, JOB_ID_PATTERN, JOB_ID_RULE } from './limits.ts';

export const JOB_KINDS = ['chat', 'vision', 'ocr', 'transcribe'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const TRANSCRIPTION_FORMATS = ['json', 'text', 'verbose_json', 'srt', 'vtt'] as const;
export type TranscriptionFormat = (typeof TRANSCRIPTION_FORMATS)[number];

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const modelId = z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`);

/** An OpenAI chat body without `model` (the job names it) and not streamed (jobs answer whole). */
const chatRequest = z.looseObject({
  messages: z
    .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']) }))
    .min(1),
  stream: z.literal(false).optional(),
  n: z.literal(1).optional(),
});

const chatInput = z.strictObject({ model: modelId, request: chatRequest });

const ocrInput = z.strictObject({
  model: modelId,
  /** A data URL: data:image/png;base64,... */
  image: z.string().min(1),
});

const transcribeInput = z.strictObject({
  model: modelId,
  audio: z.strictObject({
    base64: z.string().regex(BASE64, 'must be base64'),
    filename: z.string().min(1).max(255),
    mimeType: z.enum(BURST_LIMITS.audioMimeTypes),
  }),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'must be an ISO-639 code such as en')
    .optional(),
  prompt: z.string().max(4096).optional(),
  temperature: z.number().min(0).max(1).optional(),
  responseFormat: z.enum(TRANSCRIPTION_FORMATS).default('json'),
});

const callback = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(BURST_LIMITS.callbackUrlChars),
});

const envelope = {
  id: z.string().regex(JOB_ID_PATTERN, `must be ${JOB_ID_RULE}`),
  tenant: z.string().regex(ID_PATTERN, `must be ${ID_RULE}`),
  callback: callback.optional(),
};

const wireJob = z.discriminatedUnion('kind', [
  z.strictObject({ ...envelope, kind: z.literal('chat'), input: chatInput }),
  z.strictObject({ ...envelope, kind: z.literal('vision'), input: chatInput }),
  z.strictObject({ ...envelope, kind: z.literal('ocr'), input: ocrInput }),
  z.strictObject({ ...envelope, kind: z.literal('transcribe'), input: transcribeInput }),
]);

export type BurstJob = z.output<typeof wireJob>;
export type ChatJob = Extract<BurstJob, { kind: 'chat' | 'vision' }>;
export type OcrJob = Extract<BurstJob, { kind: 'ocr' }>;
export type TranscribeJob = Extract<BurstJob, { kind: 'transcribe' }>;
/** What an edge sends; `responseFormat` may be left out. */
export type BurstJobInput = z.input<typeof wireJob>;

/** A job body as a BurstJob, or a 400 naming the field at fault. */
export function parseJob(value: unknown): BurstJob {
  const job = parseOrThrow(wireJob, value, 'job');
  switch (job.kind) {
    case 'chat':
    case 'vision':
      checkChat(job);
      break;
    case 'ocr':
      checkOcr(job);
      break;
    case 'transcribe':
      checkAudio(job);
      break;
  }
  return job;
}

/** Whether any message of an OpenAI chat body has an image part. */
export function hasImageParts(request: { readonly messages: readonly unknown[] }): boolean {
  return request.messages.some((m) => {
    const content = (m as { content?: unknown }).content;
    return (
      Array.isArray(content) &&
      content.some((p) => (p as { type?: unknown } | null)?.type === 'image_url')
    );
  });
}

function checkChat(job: ChatJob): void {
  const images = hasImageParts(job.input.request);
  if (job.kind === 'chat' && images)
    throw new ProximaError(
      'invalid_request',
      "A 'chat' job has image parts: send it as a 'vision' job, which goes to a vision deployment.",
      { param: 'kind' },
    );
  if (job.kind === 'vision' && !images)
    throw new ProximaError('invalid_request', "A 'vision' job needs at least one image part.", {
      param: 'input.request.messages',
    });
  const bytes = utf8Length(JSON.stringify(job.input.request));
  if (bytes > BURST_LIMITS.chatRequestBytes)
    throw new ProximaError(
      'payload_too_large',
      `'input.request' is ${bytes} bytes; a job's request may be at most ${BURST_LIMITS.chatRequestBytes}.`,
      { param: 'input.request' },
    );
}

function checkOcr(job: OcrJob): void {
  const image = imageOf(job.input.image, 'input.image');
  if (image.kind === 'url')
    throw new ProximaError(
      'invalid_request',
      "'input.image' must be a data URL (data:image/png;base64,...): the Function App fetches nothing.",
      { param: 'input.image' },
    );
  const bytes = decodedBytes(image.base64);
  if (bytes > BURST_LIMITS.imageBytes)
    throw new ProximaError(
      'payload_too_large',
      `'input.image' holds ${bytes} bytes; an OCR image may be at most ${BURST_LIMITS.imageBytes}.`,
      { param: 'input.image' },
    );
}

function checkAudio(job: TranscribeJob): void {
  const { base64 } = job.input.audio;
  if (base64.length === 0 || base64.length % 4 !== 0)
    throw new ProximaError('invalid_request', "'input.audio.base64' is not whole base64.", {
      param: 'input.audio.base64',
    });
  const bytes = decodedBytes(base64);
  if (bytes > BURST_LIMITS.audioBytes)
    throw new ProximaError(
      'payload_too_large',
      `'input.audio' holds ${bytes} bytes; an audio file may be at most ${BURST_LIMITS.audioBytes}.`,
      { param: 'input.audio' },
    );
}

/** Bytes that whole base64 text decodes to. */
export function decodedBytes(base64: string): number {
  const pad = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - pad;
}
