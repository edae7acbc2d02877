import { DEFAULT_PROBE_POLICY } from '@proxima/core/rag';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { probePolicy } from '../src/rag/search.ts';

const withVars = (vars: Partial<Record<keyof Env, string>>): Env => ({ ...vars }) as unknown as Env;

describe('RAG probe policy from the configuration', () => {
  it('defaults to the adaptive policy core measured', () => {
    expect(probePolicy(withVars({}))).toEqual(DEFAULT_PROBE_POLICY);
  });

  it('takes each bound and delta, and a fixed P from equal bounds', () => {
    expect(
      probePolicy(
        withVars({ RAG_PROBE_MIN_SHARDS: '4', RAG_PROBE_MAX_SHARDS: '4', RAG_PROBE_DELTA: '0' }),
      ),
    ).toEqual({ minShards: 4, maxShards: 4, delta: 0 });
    // A maximum below the default minimum lowers the minimum with it.
    expect(probePolicy(withVars({ RAG_PROBE_MAX_SHARDS: '1' }))).toEqual({
      minShards: 1,
      maxShards: 1,
      delta: DEFAULT_PROBE_POLICY.delta,
    });
  });

  it('names the value it refuses', () => {
    expect(() => probePolicy(withVars({ RAG_PROBE_MAX_SHARDS: '0' }))).toThrow(/"0".*\[1, 256\]/);
    expect(() =>
      probePolicy(withVars({ RAG_PROBE_MIN_SHARDS: '9', RAG_PROBE_MAX_SHARDS: '8' })),
    ).toThrow(/"9".*\[1, 8\]/);
    expect(() => probePolicy(withVars({ RAG_PROBE_DELTA: 'wide' }))).toThrow(/"wide".*number/);
    expect(() => probePolicy(withVars({ RAG_PROBE_DELTA: '-1' }))).toThrow(/\[0, 2\]/);
  });
});
