import { describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from '../../limits.ts';
import type { JobRequest } from '../messages.ts';
import { admitJob, JobFrames, rejectedFrameAnswer, type NodeState } from './node-jobs.ts';

const request: JobRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  maxTokens: null,
  temperature: 1,
  topP: 1,
  stop: [],
  seed: null,
};
const state = (over: Partial<NodeState> = {}): NodeState => ({
  draining: false,
  models: ['m'],
  continues: false,
  capabilities: () => [],
  has: () => false,
  ...over,
});
const code = (a: ReturnType<typeof admitJob>) => (a.kind === 'refuse' ? a.frame.code : a.kind);

describe('admitJob', () => {
  it('accepts a job for a served model', () => {
    expect(admitJob(state(), 'j', request)).toEqual({ kind: 'accept' });
  });
  it('ignores a duplicate id, refuses while draining, for another model, or a prefix it cannot continue', () => {
    expect(code(admitJob(state({ has: () => true }), 'j', request))).toBe('duplicate');
    expect(code(admitJob(state({ draining: true }), 'j', request))).toBe('draining');
    expect(code(admitJob(state(), 'j', { ...request, model: 'x' }))).toBe('model_not_served');
    const prefixed = { ...request, assistantPrefix: 'so far' };
    expect(code(admitJob(state(), 'j', prefixed))).toBe('continue_unsupported');
    expect(code(admitJob(state({ continues: true }), 'j', prefixed))).toBe('accept');
  });
});

describe('JobFrames', () => {
  it('numbers chunks and done from 0, skips empty chunks and sends nothing after the end', () => {
    const f = new JobFrames('j');
    expect(f.chunk('a')).toMatchObject({ type: 'chunk', seq: 0 });
    expect(f.chunk('')).toBeNull();
    expect(f.chunk('b')).toMatchObject({ type: 'chunk', seq: 1 });
    expect(f.done('stop', { promptTokens: 1, completionTokens: 2 })).toMatchObject({
      type: 'done',
      seq: 2,
    });
    expect(f.chunk('c')).toBeNull();
    expect(f.error('engine_failed', 'late')).toBeNull();
    expect(f.isEnded).toBe(true);
  });
  it('bounds an error message by the frame limit, and a cancelled job sends nothing', () => {
    const f = new JobFrames('j');
    const frame = f.error('engine_failed', 'x'.repeat(10_000));
    expect(frame?.type === 'error' && frame.message.length).toBe(FIELD_LIMITS.jobErrorMessageChars);
    const c = new JobFrames('k');
    c.cancel();
    expect(c.chunk('a')).toBeNull();
  });
});

describe('rejectedFrameAnswer', () => {
  it('fails the named job with invalid_job, and says nothing for a frame naming none', () => {
    expect(rejectedFrameAnswer('{"type":"job","jobId":"j1","request":{}}', 'bad')).toMatchObject({
      type: 'error',
      jobId: 'j1',
      code: 'invalid_job',
    });
    expect(rejectedFrameAnswer('nonsense', 'bad')).toBeNull();
  });
});
