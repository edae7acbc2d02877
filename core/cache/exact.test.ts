import { describe, expect, it } from 'vitest';
import { exactKey } from './exact.ts';

describe('exactKey', () => {
  it('normalises compatibility forms, trims and collapses whitespace', () => {
    expect(exactKey('  ｈｏｗ  do\tI\n\nreset\u00a0it?  ')).toBe('how do I reset it?');
    expect(exactKey('ﬁle')).toBe('file');
  });

  it('keeps case and punctuation: those are for the semantic path and its guard', () => {
    expect(exactKey('Restart NGINX')).not.toBe(exactKey('restart nginx'));
    expect(exactKey('restart nginx?')).not.toBe(exactKey('restart nginx'));
  });
});
