import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../openai/chat-request.ts';
import { parseOllamaChat } from './chat-request.ts';
import { answerOf } from './testing.ts';

const stop = fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 4 });

describe('parseOllamaChat (property)', () => {
  it('resolves options to the request their OpenAI fields resolve to', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            temperature: fc.double({ min: 0, max: 2, noNaN: true }),
            top_p: fc.double({ min: 0.01, max: 1, noNaN: true }),
            seed: fc.integer(),
            num_predict: fc.integer({ min: 1, max: 4096 }),
            stop,
            frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
            presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        (options, stream) => {
          const ollama = answerOf(
            parseOllamaChat({
              model: 'm',
              messages: [{ role: 'user', content: 'hi' }],
              options,
              stream,
            }),
          );
          const { num_predict: maxTokens, ...same } = options;
          const openAi = parseChatRequest({
            model: 'm',
            messages: [{ role: 'user', content: 'hi' }],
            ...same,
            ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
            stream,
          });
          expect(ollama.request).toEqual(openAi);
        },
      ),
    );
  });
});
