import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answeredMaterial, followUpMaterial, type TurnMessage } from './affinity.ts';

const sys: TurnMessage = { role: 'system', content: 'be brief' };
const u1: TurnMessage = { role: 'user', content: 'hi' };

describe('conversation affinity', () => {
  it('a follow-up turn names the conversation its previous answer made', () => {
    const answered = answeredMaterial('key-1', [sys, u1], 'hello');
    const next = [
      sys,
      u1,
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'and?' },
    ];
    expect(followUpMaterial('key-1', next)).toBe(answered);
  });

  it('a first turn, or one that does not end with the user, follows nothing', () => {
    expect(followUpMaterial('key-1', [sys, u1])).toBeNull();
    expect(followUpMaterial('key-1', [sys, u1, { role: 'assistant', content: 'x' }])).toBeNull();
  });

  it('never matches across keys, or when the answer or history differ', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: fc.string() }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.string(),
        fc.string(),
        (history, answer, other) => {
          const next = [
            ...history,
            { role: 'assistant', content: answer },
            { role: 'user', content: 'q' },
          ];
          expect(followUpMaterial('a', next)).toBe(answeredMaterial('a', history, answer));
          expect(followUpMaterial('b', next)).not.toBe(answeredMaterial('a', history, answer));
          if (other !== answer)
            expect(followUpMaterial('a', next)).not.toBe(answeredMaterial('a', history, other));
        },
      ),
    );
  });
});
