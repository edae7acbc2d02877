import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPLETION_ESTIMATE, estimateChatTokens, estimateTokens } from './estimate.ts';

describe('estimateTokens', () => {
  it('is a quarter of the prompt bytes, rounded up, plus max_tokens', () => {
    expect(estimateTokens(0, 16)).toBe(16);
    expect(estimateTokens(9, 16)).toBe(3 + 16);
  });

  it(`reserves ${DEFAULT_COMPLETION_ESTIMATE} completion tokens when max_tokens is unset`, () => {
    expect(estimateTokens(8, undefined)).toBe(2 + 256);
  });

  it("counts the messages' UTF-8 bytes, not their characters", () => {
    const messages = [
      { role: 'system' as const, content: 'abcd' },
      { role: 'user' as const, content: 'héé' }, // 5 bytes
    ];
    expect(estimateChatTokens({ messages, maxTokens: 1 })).toBe(Math.ceil(9 / 4) + 1);
  });
});
