// POST /v1/audio/transcriptions, OpenAI's shape: multipart/form-data with `file`, `model` and
// optional `language`, `prompt`, `response_format` (json, text, verbose_json, srt, vtt) and
// `temperature`, run as a `transcribe` burst job on the Function App's Foundry. The answer is
// JSON for json and verbose_json, text/plain for text, srt and vtt, as OpenAI answers.
import { BURST_LIMITS, TRANSCRIPTION_FORMATS } from '@proxima/core/jobs';
import { ProximaError, type TokenUsage } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { answerWithJob } from '../burst/answer-job.ts';
import { requireBurst } from '../burst/config.ts';
import { renamer } from '../burst/errors.ts';
import type { Env } from '../env.ts';
import { readRequestBody } from '../read-bounded.ts';
import { base64Of } from './image-urls.ts';

export const transcriptions = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

/** The largest audio file, plus room for the other fields and the multipart framing. */
export const TRANSCRIPTION_BODY_MAX_BYTES = BURST_LIMITS.audioBytes + 64 * 1024;

/** OpenAI's parameters that a job cannot carry: refused by name, never silently dropped. */
const REFUSED = ['timestamp_granularities', 'include', 'chunking_strategy'];

/** The audio type of each file extension OpenAI accepts, for files sent without a type. */
const EXTENSION_TYPES: Readonly<Record<string, (typeof BURST_LIMITS.audioMimeTypes)[number]>> = {
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  mpga: 'audio/mpeg',
  mpeg: 'audio/mpeg',
  mp4: 'audio/mp4',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  wav: 'audio/wav',
  webm: 'audio/webm',
};

const transcribeField = renamer({
  'input.audio': 'file',
  'input.model': 'model',
  'input.language': 'language',
  'input.prompt': 'prompt',
  'input.temperature': 'temperature',
  'input.responseFormat': 'response_format',
});

transcriptions.post('/v1/audio/transcriptions', requireApiKey('chat'), async (c) => {
  const config = requireBurst(c.env);
  const form = await readForm(c.req.raw);
  const fields = fieldsOf(form);
  const file = fileOf(form);
  const mimeType = audioTypeOf(file);
  const audio = {
    base64: base64Of(new Uint8Array(await file.arrayBuffer())),
    filename: file.name === '' ? 'audio' : file.name,
    mimeType,
  };
  const { result, headers } = await answerWithJob(c, config, {
    model: fields.model,
    job: (id, tenant) => ({
      id,
      tenant,
      kind: 'transcribe',
      input: { ...fields, audio },
    }),
    rename: transcribeField,
    usage: usageOf,
  });
  if (fields.responseFormat === 'json' || fields.responseFormat === 'verbose_json')
    return c.json(result as object, 200, { ...headers });
  const text = (result as { text?: unknown } | null)?.text;
  return c.text(typeof text === 'string' ? text : '', 200, { ...headers });
});

/** The body as form data, within the size cap: 415 for another type, 413 past the cap. */
async function readForm(request: Request): Promise<FormData> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type))
    throw new ProximaError(
      'unsupported_media_type',
      `The body must be multipart/form-data (the content-type is ${type === '' ? 'missing' : `'${type.slice(0, 100)}'`}).`,
    );
  const tooLarge = () =>
    new ProximaError(
      'payload_too_large',
      `The body exceeds ${TRANSCRIPTION_BODY_MAX_BYTES} bytes; 'file' may be at most ${BURST_LIMITS.audioBytes} bytes.`,
      { param: 'file' },
    );
  const read = await readRequestBody(request, TRANSCRIPTION_BODY_MAX_BYTES);
  if (!read.ok) {
    if (read.reason === 'too_large') throw tooLarge();
    if (read.reason === 'empty')
      throw new ProximaError('invalid_request', "The body is empty; 'file' is required.", {
        param: 'file',
      });
    throw new ProximaError('invalid_request', 'The body was cut short; send it whole.');
  }
  try {
    return await new Response(read.bytes, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new ProximaError('invalid_request', 'The body is not valid multipart/form-data.');
  }
}

interface Fields {
  readonly model: string;
  readonly responseFormat: (typeof TRANSCRIPTION_FORMATS)[number];
  readonly language?: string;
  readonly prompt?: string;
  readonly temperature?: number;
}

/** The text fields; their rules are the job's (core/jobs), checked when the job is built. */
function fieldsOf(form: FormData): Fields {
  const text = (name: string): string | undefined => {
    const value = form.get(name);
    if (value === null) return undefined;
    if (typeof value !== 'string')
      throw new ProximaError('invalid_request', `'${name}' must be a text field, not a file.`, {
        param: name,
      });
    return value;
  };
  for (const key of form.keys()) {
    const name = key.replace(/\[\]$/, '');
    if (REFUSED.includes(name))
      throw new ProximaError(
        'unsupported_parameter',
        `'${name}' is not supported by burst transcription jobs; leave it out.`,
        { param: name },
      );
  }
  const stream = text('stream');
  if (stream !== undefined && stream !== 'false')
    throw new ProximaError(
      'unsupported_parameter',
      "'stream' is not supported: a transcription answers whole.",
      { param: 'stream' },
    );
  const model = text('model');
  if (model === undefined || model === '')
    throw new ProximaError('invalid_request', "'model' is required.", { param: 'model' });
  const format = text('response_format') ?? 'json';
  if (!(TRANSCRIPTION_FORMATS as readonly string[]).includes(format))
    throw new ProximaError(
      'invalid_request',
      `Invalid 'response_format': must be one of ${TRANSCRIPTION_FORMATS.join(', ')}.`,
      { param: 'response_format' },
    );
  const temperature = text('temperature');
  const degrees = temperature === undefined ? undefined : Number(temperature);
  if (degrees !== undefined && (temperature?.trim() === '' || !Number.isFinite(degrees)))
    throw new ProximaError('invalid_request', "Invalid 'temperature': must be a number.", {
      param: 'temperature',
    });
  const language = text('language');
  const prompt = text('prompt');
  return {
    model,
    responseFormat: format as Fields['responseFormat'],
    ...(language === undefined ? {} : { language }),
    ...(prompt === undefined ? {} : { prompt }),
    ...(degrees === undefined ? {} : { temperature: degrees }),
  };
}

function fileOf(form: FormData): File {
  const file = form.get('file');
  if (file === null || typeof file === 'string')
    throw new ProximaError('invalid_request', "'file' is required: the audio, as a file part.", {
      param: 'file',
    });
  if (file.size === 0)
    throw new ProximaError('invalid_request', "'file' is empty.", { param: 'file' });
  if (file.size > BURST_LIMITS.audioBytes)
    throw new ProximaError(
      'payload_too_large',
      `'file' has ${file.size} bytes; an audio file may be at most ${BURST_LIMITS.audioBytes}.`,
      { param: 'file' },
    );
  return file;
}

/** The file's audio type, from its part's type or else its name's extension. */
function audioTypeOf(file: File): (typeof BURST_LIMITS.audioMimeTypes)[number] {
  const declared = file.type.split(';')[0]?.trim().toLowerCase() ?? '';
  const known = BURST_LIMITS.audioMimeTypes.find((t) => t === declared);
  if (known !== undefined) return known;
  const extension = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? '';
  const byName = EXTENSION_TYPES[extension];
  if (byName !== undefined) return byName;
  throw new ProximaError(
    'invalid_request',
    `'file' is not an audio format the service takes (${Object.keys(EXTENSION_TYPES).join(', ')}).`,
    { param: 'file' },
  );
}

/** Tokens, when the transcription reports them (`usage.type: 'tokens'`); seconds are not tokens. */
function usageOf(result: unknown): TokenUsage {
  const usage = (result as { usage?: { input_tokens?: unknown; output_tokens?: unknown } } | null)
    ?.usage;
  const count = (n: unknown) =>
    typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0;
  return {
    promptTokens: count(usage?.input_tokens),
    completionTokens: count(usage?.output_tokens),
  };
}
