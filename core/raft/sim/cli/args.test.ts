import { describe, expect, it } from 'vitest';
import { UsageError, parseSimArgs } from './args.ts';

describe('sim CLI flags', () => {
  it('parses --seeds, --start, --nodes and --ticks', () => {
    expect(parseSimArgs(['--seeds', '10', '--start=5', '--nodes', '5', '--ticks', '50'])).toEqual({
      seeds: 10,
      start: 5,
      nodes: 5,
      ticks: 50,
      verbose: false,
      bug: null,
    });
    expect(parseSimArgs(['--seeds', '1', '--bug', 'vote-not-persisted']).bug).toBe(
      'vote-not-persisted',
    );
  });
  it('rejects bad input with a clear error', () => {
    expect(() => parseSimArgs([])).toThrow(/--seeds is required/);
    expect(() => parseSimArgs(['--seeds', '0'])).toThrow(UsageError);
    expect(() => parseSimArgs(['--seeds', '-3'])).toThrow(/positive integer/);
    expect(() => parseSimArgs(['--seeds', '1', '--nodes', '4'])).toThrow(/3 or 5/);
    expect(() => parseSimArgs(['--seeds', '1', '--bogus'])).toThrow(/unknown flag/);
    expect(() => parseSimArgs(['--seeds', '1', '--bug', 'nope'])).toThrow(/--bug must be one of/);
  });
});
