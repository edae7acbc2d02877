import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NO_PROGRESS,
  onStreamFailure,
  recordChunk,
  recordContinuation,
  usageAfterFailover,
  type StreamProgress,
} from './stream-failover.ts';

const after = (...chunks: string[]): StreamProgress =>
  chunks.reduce((p, text) => recordChunk(p, text), NO_PROGRESS);

describe('onStreamFailure', () => {
  it.each(['node_failed', 'node_stalled', 'node_replaced', 'engine_failed', null])(
    'continues after %s',
    (code) => {
      expect(onStreamFailure(after('a ', 'b '), code, null)).toEqual({ kind: 'continue' });
    },
  );

  it('ends with the classified error when the failure must not be retried', () => {
    expect(onStreamFailure(after('a'), 'upstream_timeout', null)).toEqual({
      kind: 'end',
      code: 'upstream_timeout',
    });
    expect(onStreamFailure(after('a'), 'cancelled', null)).toEqual({
      kind: 'end',
      code: 'node_failed',
    });
  });

  it('stops after the configured number of continuations', () => {
    let p = after('a');
    p = recordContinuation(p);
    expect(onStreamFailure(p, null, null, { maxContinuations: 2 }).kind).toBe('continue');
    p = recordContinuation(p);
    expect(onStreamFailure(p, null, null, { maxContinuations: 2 })).toEqual({
      kind: 'end',
      code: 'node_failed',
    });
    expect(onStreamFailure(after('a'), null, null, { maxContinuations: 0 }).kind).toBe('end');
  });

  it('finishes as length when the chunks already spent the token budget', () => {
    expect(onStreamFailure(after('a', 'b', 'c'), null, 3)).toEqual({ kind: 'finish_length' });
    expect(onStreamFailure(after('a', 'b'), null, 3)).toEqual({ kind: 'continue' });
  });
});

describe('usageAfterFailover', () => {
  it('is the last attempt’s usage when there was no failover', () => {
    const p = after('a', 'b');
    expect(usageAfterFailover(p, { promptTokens: 10, completionTokens: 2 }, 99)).toEqual({
      promptTokens: 10,
      completionTokens: 2,
    });
  });

  it('moves the earlier chunks from prompt to completion', () => {
    const p = recordChunk(recordContinuation(after('a', 'b', 'c')), 'd');
    expect(usageAfterFailover(p, { promptTokens: 13, completionTokens: 1 }, 99)).toEqual({
      promptTokens: 10,
      completionTokens: 4,
    });
  });

  it('counts chunks and the estimate when no attempt finished', () => {
    expect(usageAfterFailover(after('a', 'b'), null, 7)).toEqual({
      promptTokens: 7,
      completionTokens: 2,
    });
  });

  it('keeps completion at least the chunks the client got', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 3 }), { maxLength: 20 }),
        fc.nat(20),
        fc.nat(50),
        fc.nat(50),
        (chunks, cut, prompt, completion) => {
          let p = NO_PROGRESS;
          chunks.forEach((text, i) => {
            if (i === cut) p = recordContinuation(p);
            p = recordChunk(p, text);
          });
          const usage = usageAfterFailover(
            p,
            { promptTokens: prompt, completionTokens: completion },
            0,
          );
          expect(usage.completionTokens).toBeGreaterThanOrEqual(p.chunksBeforeAttempt);
          expect(usage.promptTokens).toBeGreaterThanOrEqual(0);
          expect(p.text).toBe(chunks.join(''));
        },
      ),
    );
  });
});
