import { describe, expect, it } from 'vitest';
import { validateConfig } from './config.ts';
import type { Config } from './config.ts';
import { RaftErrorCode, isRaftError } from './errors.ts';
import { SeededRand } from './rand.ts';
import { MemoryStorage } from './storage.ts';

const base: Config = {
  id: 1,
  electionTick: 10,
  heartbeatTick: 1,
  storage: new MemoryStorage(),
  rand: new SeededRand(1),
};

function rejects(c: Partial<Config>, msg: RegExp): void {
  let err: unknown = null;
  try {
    validateConfig({ ...base, ...c });
  } catch (e) {
    err = e;
  }
  expect(isRaftError(err, RaftErrorCode.InvalidConfig)).toBe(true);
  expect(String(err)).toMatch(msg);
}

describe('config validation', () => {
  it('fills defaults for a minimal config', () => {
    const r = validateConfig(base);
    expect(r.readOnlyOption).toBe('safe');
    expect(r.maxInflightMsgs).toBeGreaterThan(0);
    expect(r.maxSnapshotChunkBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
  it('rejects bad values with clear messages', () => {
    rejects({ id: 0 }, /id must be a positive integer/);
    rejects({ heartbeatTick: 0 }, /heartbeatTick/);
    rejects(
      { electionTick: 1 },
      /electionTick \(1\) must be an integer greater than heartbeatTick/,
    );
    rejects({ maxInflightMsgs: 0 }, /maxInflightMsgs/);
    rejects({ maxSizePerMsg: 1000, maxInflightBytes: 10 }, /maxInflightBytes/);
    rejects({ maxSnapshotChunkBytes: 3 * 1024 * 1024 }, /maxSnapshotChunkBytes/);
  });
  it('allows lease-based reads only with check-quorum', () => {
    rejects({ readOnlyOption: 'lease-based' }, /lease-based reads require checkQuorum/);
    expect(
      validateConfig({ ...base, readOnlyOption: 'lease-based', checkQuorum: true }).readOnlyOption,
    ).toBe('lease-based');
  });
});
