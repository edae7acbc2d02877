import { describe, expect, it } from 'vitest';
import { parseChatRequest } from './chat-request.ts';
import { imagePartParams } from './images.ts';
import { toJobRequest } from './to-job.ts';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('toJobRequest', () => {
  it('leaves out the optional fields a plain request does not set', () => {
    const job = toJobRequest(
      parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(job).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: null,
      temperature: 1,
      topP: 1,
      stop: [],
      seed: null,
    });
  });

  it('carries tools, formats, penalties and images as bytes; drops tools when told none', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
      frequency_penalty: 0.5,
      logit_bias: { '7': -100 },
      logprobs: true,
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'none',
    };
    const job = toJobRequest(parseChatRequest(body));
    expect(job.messages[0]?.images).toEqual([{ mimeType: 'image/png', base64: 'iVBORw0KGgo=' }]);
    expect(job).toMatchObject({
      frequencyPenalty: 0.5,
      logitBias: [[7, -100]],
      logprobs: 0,
      responseFormat: { type: 'json_object' },
    });
    expect(job.tools).toBeUndefined();
  });

  it('refuses an image URL nobody fetched, naming the message', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'system', content: 's' },
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }],
        },
      ],
    });
    expect(() => toJobRequest(req)).toThrow(/'messages\[1\]\.content' holds an image URL/);
  });
});

describe('imagePartParams', () => {
  it("names a message's image parts as the body sent them", () => {
    const body = {
      messages: [
        { role: 'user', content: 'no parts' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image_url', image_url: { url: PNG } },
            { type: 'image_url', image_url: { url: PNG } },
          ],
        },
      ],
    };
    expect(imagePartParams(body, 0)).toEqual([]);
    expect(imagePartParams(body, 1)).toEqual([
      'messages[1].content[1].image_url.url',
      'messages[1].content[2].image_url.url',
    ]);
    expect(imagePartParams(null, 0)).toEqual([]);
  });
});
