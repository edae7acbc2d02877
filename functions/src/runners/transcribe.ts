// Transcription jobs on Foundry's audio API: the job's audio as a multipart file, to the
// deployment serving its model. json and verbose_json answer OpenAI's transcription object; text,
// srt and vtt a body of plain text, kept whole as `{text}` (core/jobs/wire.ts, RunResult).
import { Buffer } from 'node:buffer';
import type { RunResult, TranscribeJob } from '@proxima/core/jobs';
import { toFile, type OpenAI } from 'openai';
import { deploymentOf } from './foundry.ts';
import { failure } from './failure.ts';
import { upstreamFailure } from './upstream-failure.ts';

export async function runTranscription(
  client: OpenAI,
  deployments: ReadonlyMap<string, string>,
  job: TranscribeJob,
  signal: AbortSignal,
): Promise<RunResult> {
  const { input } = job;
  const deployment = deploymentOf(deployments, input.model);
  if (typeof deployment !== 'string') return deployment;
  const { audio } = input;
  const file = await toFile(Buffer.from(audio.base64, 'base64'), audio.filename, {
    type: audio.mimeType,
  });
  let answer: unknown;
  try {
    answer = await client.audio.transcriptions.create(
      {
        file,
        model: deployment,
        response_format: input.responseFormat,
        ...(input.language === undefined ? {} : { language: input.language }),
        ...(input.prompt === undefined ? {} : { prompt: input.prompt }),
        ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
      },
      { signal },
    );
  } catch (err) {
    return upstreamFailure(err, signal);
  }
  const json = input.responseFormat === 'json' || input.responseFormat === 'verbose_json';
  if (json && isObject(answer)) return { ok: true, result: answer };
  // The client reads a body as text unless it is labelled JSON.
  if (!json && typeof answer === 'string') return { ok: true, result: { text: answer } };
  return failure(
    'upstream_error',
    `Foundry answered a ${input.responseFormat} transcription with ${describe(answer)}.`,
    // The same request would get the same answer.
    false,
  );
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? 'text' : isObject(value) ? 'a JSON object' : String(value);
}
