import {
  DEFAULT_FAILOVER,
  MAX_CONTINUATIONS_CEILING,
  type FailoverOptions,
} from '@proxima/core/routing';
import { intVar, type Env } from '../env.ts';

/** Mid-stream failover settings (STREAM_CONTINUATIONS, STREAM_STALL_MS), validated. */
export interface StreamFailoverConfig extends FailoverOptions {
  /** No chunk for this long after the first one: the backend is taken for stalled. */
  readonly stallMs: number;
}

export function streamFailoverConfig(env: Env): StreamFailoverConfig {
  return {
    maxContinuations: intVar(
      env.STREAM_CONTINUATIONS,
      DEFAULT_FAILOVER.maxContinuations,
      0,
      MAX_CONTINUATIONS_CEILING,
    ),
    stallMs: intVar(env.STREAM_STALL_MS, 30_000, 100, 600_000),
  };
}
