import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from './index.ts';

describe('protocol', () => {
  it('has a positive version', () => {
    expect(PROTOCOL_VERSION).toBeGreaterThan(0);
  });
});
