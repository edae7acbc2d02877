// Transcription jobs, through a recording stand-in server: no speech model runs offline, so the
// stand-in (not Foundry) checks the multipart request that reaches it and answers as OpenAI does.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { job, never } from './jobs.testing.ts';
import { apiError, formDataOf, json, useStandInFoundry } from './recording-upstream.testing.ts';

const foundry = useStandInFoundry({ 'whisper-1': 'whisper-deployment' });

/** Bytes standing for audio: every byte value, so any mangling in transit shows. */
const AUDIO = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));

const transcription = (responseFormat: 'json' | 'text' | 'verbose_json' | 'srt' | 'vtt') =>
  job('transcribe', {
    model: 'whisper-1',
    audio: { base64: AUDIO.toString('base64'), filename: 'meeting.ogg', mimeType: 'audio/ogg' },
    language: 'en',
    prompt: 'Proxima, Foundry',
    temperature: 0.1,
    responseFormat,
  });

describe('transcription jobs, through a recording stand-in upstream', () => {
  it('send the audio as a multipart file with every field, and answer the json object', async () => {
    const answer = { text: 'Hello from the meeting.', usage: { type: 'duration', seconds: 3 } };
    foundry.upstream.answer = () => json(200, answer);
    const result = await foundry.runner.run(transcription('json'), never);

    expect(result).toEqual({ ok: true, result: answer });
    expect(foundry.upstream.seen).toHaveLength(1);
    const seen = foundry.upstream.seen[0]!;
    expect(seen.path).toBe('/openai/v1/audio/transcriptions');
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await formDataOf(seen);
    const file = form.get('file');
    expect(file).toBeInstanceOf(File);
    expect((file as File).name).toBe('meeting.ogg');
    expect((file as File).type).toBe('audio/ogg');
    expect(Buffer.from(await (file as File).arrayBuffer())).toEqual(AUDIO);
    expect(Object.fromEntries([...form.entries()].filter(([k]) => k !== 'file'))).toEqual({
      model: 'whisper-deployment',
      language: 'en',
      prompt: 'Proxima, Foundry',
      temperature: '0.1',
      response_format: 'json',
    });
  });

  it('keep a text answer whole as {text}', async () => {
    foundry.upstream.answer = () => ({
      status: 200,
      contentType: 'text/plain',
      body: 'Hello there.\n',
    });
    const result = await foundry.runner.run(transcription('text'), never);
    expect(result).toEqual({ ok: true, result: { text: 'Hello there.\n' } });
    const form = await formDataOf(foundry.upstream.seen[0]!);
    expect(form.get('response_format')).toBe('text');
  });

  it('keep an srt answer whole as {text}', async () => {
    const srt = '1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n';
    foundry.upstream.answer = () => ({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: srt,
    });
    expect(await foundry.runner.run(transcription('srt'), never)).toEqual({
      ok: true,
      result: { text: srt },
    });
  });

  it('send only the fields the job has', async () => {
    foundry.upstream.answer = () => json(200, { text: 'ok' });
    const bare = job('transcribe', {
      model: 'whisper-1',
      audio: { base64: AUDIO.toString('base64'), filename: 'a.wav', mimeType: 'audio/wav' },
    });
    expect(await foundry.runner.run(bare, never)).toEqual({ ok: true, result: { text: 'ok' } });
    const form = await formDataOf(foundry.upstream.seen[0]!);
    expect([...form.keys()].sort()).toEqual(['file', 'model', 'response_format']);
    expect(form.get('response_format')).toBe('json');
  });

  it('fail retryably on a 429', async () => {
    foundry.upstream.answer = () =>
      apiError(429, 'Rate limit is exceeded. Try again in 20 seconds.');
    const result = await foundry.runner.run(transcription('json'), never);
    expect(result).toMatchObject({ ok: false, code: 'upstream_error', retryable: true });
    expect(!result.ok && result.message).toContain('Rate limit is exceeded');
  });

  it('fail, not retryably, when a json answer is not an object', async () => {
    foundry.upstream.answer = () => ({
      status: 200,
      contentType: 'text/plain',
      body: 'plain words',
    });
    const result = await foundry.runner.run(transcription('json'), never);
    expect(result).toMatchObject({ ok: false, code: 'upstream_error', retryable: false });
  });

  it('fail a model without a deployment as model_not_found, sending nothing', async () => {
    const other = job('transcribe', {
      model: 'gpt-4o-transcribe',
      audio: { base64: AUDIO.toString('base64'), filename: 'a.wav', mimeType: 'audio/wav' },
    });
    expect(await foundry.runner.run(other, never)).toMatchObject({
      ok: false,
      code: 'model_not_found',
      retryable: false,
    });
    expect(foundry.upstream.seen).toHaveLength(0);
  });
});
