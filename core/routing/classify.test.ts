import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../protocol/errors.ts';
import { classifyFailure, finalClientError, type AttemptFailure } from './classify.ts';

const job = (code: string | null, outputSent = false): AttemptFailure => ({
  kind: 'job_error',
  code,
  outputSent,
});

describe('classifyFailure', () => {
  it.each([
    ['not_connected', 'elsewhere', 'no_capacity', true],
    ['draining', 'elsewhere', 'no_capacity', false],
    ['suspect', 'elsewhere', 'no_capacity', true],
    ['model_not_served', 'elsewhere', 'no_capacity', false],
    ['cannot_continue', 'elsewhere', 'no_capacity', false],
    ['context_exceeded', 'elsewhere', 'context_length_exceeded', false],
  ] as const)('session refusal %s', (reason, retry, clientError, counts) => {
    // A refusal before the job started says nothing about load: never rationed.
    expect(classifyFailure({ kind: 'unavailable', reason })).toEqual({
      retry,
      clientError,
      countsAgainstBreaker: counts,
      spendsRetryBudget: false,
    });
  });

  it.each([
    ['engine_failed', 'elsewhere', 'node_failed', true, true],
    ['node_failed', 'elsewhere', 'node_failed', true, false],
    ['node_replaced', 'elsewhere', 'node_failed', true, false],
    ['node_stalled', 'elsewhere', 'node_failed', true, false],
    ['invalid_job', 'elsewhere', 'node_failed', true, true],
    [null, 'elsewhere', 'node_failed', true, true],
    ['something_new', 'elsewhere', 'node_failed', true, true],
    ['draining', 'elsewhere', 'no_capacity', false, false],
    ['model_not_served', 'elsewhere', 'no_capacity', false, false],
    ['context_length_exceeded', 'never', 'context_length_exceeded', false, false],
    ['invalid_request', 'never', 'invalid_request', false, false],
    ['upstream_timeout', 'never', 'upstream_timeout', true, false],
    ['cancelled', 'never', 'node_failed', false, false],
    ['client_closed', 'never', null, false, false],
  ] as const)('job error %s', (code, retry, clientError, counts, rationed) => {
    expect(classifyFailure(job(code))).toEqual({
      retry,
      clientError,
      countsAgainstBreaker: counts,
      spendsRetryBudget: rationed,
    });
  });

  it('answers 400 for a prompt too long and 502/503 for node trouble', () => {
    const status = (f: AttemptFailure) => {
      const code = classifyFailure(f).clientError;
      return code ? ERROR_CODES[code].status : null;
    };
    expect(status(job('context_length_exceeded'))).toBe(400);
    expect(status(job('invalid_request'))).toBe(400);
    expect(status(job('engine_failed'))).toBe(502);
    expect(status({ kind: 'unavailable', reason: 'draining' })).toBe(503);
    expect(status({ kind: 'dispatch_threw' })).toBe(503);
  });

  it('never retries once output reached the client, and never retries a client that left', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.boolean(), (code, outputSent) => {
        const k = classifyFailure(job(code, outputSent));
        if (outputSent) expect(k.retry).toBe('never');
        if (code === 'client_closed') {
          expect(k).toEqual({ retry: 'never', clientError: null, countsAgainstBreaker: false });
        }
      }),
    );
  });

  it('only ever answers with a code, never the text it was given', () => {
    fc.assert(
      fc.property(fc.string(), (code) => {
        const k = classifyFailure(job(code));
        expect(k.clientError === null || Object.hasOwn(ERROR_CODES, k.clientError)).toBe(true);
      }),
    );
  });
});

describe('finalClientError', () => {
  const cls = (f: AttemptFailure) => classifyFailure(f);
  it('prefers a too-long prompt, else the last failure, else no capacity', () => {
    expect(finalClientError([])).toBe('no_capacity');
    expect(
      finalClientError([
        cls({ kind: 'unavailable', reason: 'context_exceeded' }),
        cls({ kind: 'unavailable', reason: 'draining' }),
      ]),
    ).toBe('context_length_exceeded');
    expect(finalClientError([cls(job('engine_failed')), cls({ kind: 'dispatch_threw' })])).toBe(
      'no_capacity',
    );
    expect(finalClientError([cls({ kind: 'dispatch_threw' }), cls(job('engine_failed'))])).toBe(
      'node_failed',
    );
  });
});
