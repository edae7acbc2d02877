// A vision job's request as it reaches the upstream, seen by a recording stand-in server (not
// Foundry, and no model: it records the request and answers a fixed chat.completion).
import type { ChatJob } from '@proxima/core/jobs';
import { describe, expect, it } from 'vitest';
import { job, never, TINY_PNG } from './jobs.testing.ts';
import { json, useStandInFoundry } from './recording-upstream.testing.ts';

const foundry = useStandInFoundry({ 'gpt-4o': 'vision-deployment' });

const ANSWER = {
  id: 'chatcmpl-vision-stand-in',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-2024-11-20',
  system_fingerprint: 'fp_stand_in',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'A single pixel.', refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 270, completion_tokens: 4, total_tokens: 274 },
};

describe('vision jobs, through a recording stand-in upstream', () => {
  it('send the image parts intact to the deployment and map the answer back', async () => {
    foundry.upstream.answer = () => json(200, ANSWER);
    const vision = job('vision', {
      model: 'gpt-4o',
      request: {
        messages: [
          { role: 'system', content: 'Describe images briefly.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image?' },
              { type: 'image_url', image_url: { url: TINY_PNG, detail: 'low' } },
            ],
          },
        ],
        max_tokens: 50,
        temperature: 0.2,
      },
    }) as ChatJob;
    const result = await foundry.runner.run(vision, never);

    expect(foundry.upstream.seen).toHaveLength(1);
    const seen = foundry.upstream.seen[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/openai/v1/chat/completions');
    expect(JSON.parse(seen.body.toString('utf8'))).toEqual({
      ...vision.input.request,
      model: 'vision-deployment',
      stream: false,
    });
    expect(result).toEqual({ ok: true, result: { ...ANSWER, model: 'gpt-4o' } });
  });
});
