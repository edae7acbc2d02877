// The failover tests' counting engine: its answer is a known function of the prompt, it carries
// on exactly after a prefix, and it refuses a prefix that a failover got wrong (so a repeated or
// lost token fails the job instead of passing unseen).
import type { NodeToEdge } from '@proxima/core/protocol';
import type { GenerateEvent, GenerateRequest } from '@proxima/local-node/engine';
import { describe, expect, it } from 'vitest';
import { JobRunner } from '../../local-node/src/agent/job-runner.ts';
import { CountingEngine, PrefixMismatchError } from './counting-engine.ts';
import {
  auditTokens,
  countPrefix,
  expectedAnswer,
  promptTokens,
  sequenceText,
  tagOf,
  tokenAt,
} from './sequence.ts';

const MODEL = 'count-test';
const messages = [{ role: 'user' as const, content: 'count for me, please' }];
const tag = tagOf('count for me, please');

function request(over: Partial<GenerateRequest> = {}): GenerateRequest {
  return { model: MODEL, messages, maxTokens: 8, temperature: 0, topP: 1, stop: [], ...over };
}

async function collect(events: AsyncIterable<GenerateEvent>) {
  let text = '';
  let deltas = 0;
  let done: Extract<GenerateEvent, { type: 'done' }> | undefined;
  for await (const e of events) {
    if (e.type === 'delta') {
      text += e.text;
      deltas++;
    } else done = e;
  }
  return { text, deltas, done };
}

const engine = (delayMs = 0) => new CountingEngine({ models: [MODEL], tokenDelayMs: delayMs });

describe('the counting sequence', () => {
  it('is a function of the last user message: different prompts, different tags', () => {
    expect(tagOf('a')).toBe(tagOf('a'));
    expect(tagOf('a')).toMatch(/^[a-z]{4}$/);
    const tags = new Set(Array.from({ length: 200 }, (_, i) => tagOf(`prompt ${i}`)));
    expect(tags.size).toBeGreaterThan(190);
  });

  it('counts a prefix only when it is exactly the first k tokens', () => {
    expect(countPrefix(tag, '')).toBe(0);
    expect(countPrefix(tag, sequenceText(tag, 5))).toBe(5);
    expect(countPrefix(tag, sequenceText(tag, 5) + tokenAt(tag, 4))).toBeNull(); // repeated
    expect(countPrefix(tag, tokenAt(tag, 0) + tokenAt(tag, 2))).toBeNull(); // lost
    expect(countPrefix(tag, sequenceText(tag, 3).slice(0, -2))).toBeNull(); // cut in half
    expect(countPrefix(tag, sequenceText(tagOf('other'), 2))).toBeNull(); // someone else's
  });

  it('audits a text token by token', () => {
    const whole = sequenceText(tag, 6);
    expect(auditTokens(tag, whole, 6)).toEqual({ duplicated: 0, lost: 0, reordered: 0 });
    const repeated = sequenceText(tag, 4) + sequenceText(tag, 6, 2);
    expect(auditTokens(tag, repeated, 6)).toEqual({ duplicated: 2, lost: 0, reordered: 1 });
    const gap = sequenceText(tag, 2) + sequenceText(tag, 6, 4);
    expect(auditTokens(tag, gap, 6)).toEqual({ duplicated: 0, lost: 2, reordered: 0 });
    expect(auditTokens(tag, sequenceText(tag, 7), 6).duplicated).toBe(1); // one too many
    expect(auditTokens(tag, sequenceText(tag, 3), null).lost).toBe(0); // ended early, on purpose
    expect(auditTokens(tag, `${whole}junk `, 6).duplicated).toBe(1);
  });
});

describe('CountingEngine', () => {
  it('answers the sequence, one token per delta, and ends as length at the budget', async () => {
    const out = await collect(engine().generate(request(), new AbortController().signal));
    const want = expectedAnswer(messages, 8);
    expect(out.text).toBe(want.text);
    expect(out.deltas).toBe(8);
    expect(out.done).toEqual({
      type: 'done',
      finishReason: 'length',
      usage: { promptTokens: promptTokens(messages), completionTokens: 8 },
    });
  });

  it('stops naturally when the prompt asks for stop=n', async () => {
    const m = [{ role: 'user' as const, content: 'stop=3 please' }];
    const out = await collect(
      engine().generate(request({ messages: m }), new AbortController().signal),
    );
    expect(out.text).toBe(expectedAnswer(m, 8).text);
    expect(out.deltas).toBe(3);
    expect(out.done?.finishReason).toBe('stop');
  });

  it('ends as length when the natural stop falls on the budget, as the answer says', async () => {
    const m = [{ role: 'user' as const, content: 'stop=8 please' }];
    const out = await collect(
      engine().generate(request({ messages: m }), new AbortController().signal),
    );
    expect(expectedAnswer(m, 8).finishReason).toBe('length');
    expect(out.done?.finishReason).toBe('length');
  });

  it('continues after a prefix to the original budget, so the parts make the whole', async () => {
    const seen: number[] = [];
    const e = new CountingEngine({
      models: [MODEL],
      tokenDelayMs: 0,
      onContinue: (k) => seen.push(k),
    });
    const prefix = sequenceText(tag, 3);
    // The edge sends the budget minus the chunks already sent.
    const rest = await collect(
      e.generate(request({ assistantPrefix: prefix, maxTokens: 5 }), new AbortController().signal),
    );
    expect(prefix + rest.text).toBe(expectedAnswer(messages, 8).text);
    expect(rest.done).toEqual({
      type: 'done',
      finishReason: 'length',
      // The prefix is prompt to this attempt; the edge moves it back to completion.
      usage: { promptTokens: promptTokens(messages) + 3, completionTokens: 5 },
    });
    expect(seen).toEqual([3]);
  });

  it('throws on a prefix that is not the sequence, instead of carrying on', async () => {
    for (const prefix of [
      sequenceText(tag, 3) + tokenAt(tag, 2),
      tokenAt(tag, 1),
      'hello ',
      sequenceText(tag, 2).slice(0, -1),
    ]) {
      await expect(
        collect(
          engine().generate(request({ assistantPrefix: prefix }), new AbortController().signal),
        ),
      ).rejects.toBeInstanceOf(PrefixMismatchError);
    }
  });

  it('stops promptly when aborted, even in a long token delay', async () => {
    const controller = new AbortController();
    const e = engine(3_600_000); // an hour per token: only the abort can end this
    const run = collect(e.generate(request(), controller.signal));
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(run).rejects.toThrow('cancelled');
  });

  it('hangs without ending when told, carries on when resumed, and still aborts while hung', async () => {
    const e = engine();
    e.hang();
    const controller = new AbortController();
    const hung = collect(e.generate(request(), controller.signal));
    setTimeout(() => controller.abort(new Error('gave up')), 50);
    await expect(hung).rejects.toThrow('gave up');
    const resumed = collect(e.generate(request(), new AbortController().signal));
    setTimeout(() => e.resume(), 50);
    expect((await resumed).text).toBe(expectedAnswer(messages, 8).text);
  });

  it('runs under the real JobRunner: numbered chunks, one done; a bad prefix is a job error', async () => {
    const runner = new JobRunner(engine(), 2, () => undefined);
    const frames: NodeToEdge[] = [];
    const job = {
      model: MODEL,
      messages,
      maxTokens: 4,
      temperature: 0,
      topP: 1,
      stop: [],
      seed: null,
    };
    runner.submit('a', job, (m) => frames.push(m) > 0);
    runner.submit('b', { ...job, assistantPrefix: tokenAt(tag, 1) }, (m) => frames.push(m) > 0);
    await runner.idle();
    const a = frames.filter((f) => 'jobId' in f && f.jobId === 'a');
    expect(a.map((f) => f.type)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'done']);
    expect(a.map((f) => ('seq' in f ? f.seq : -1))).toEqual([0, 1, 2, 3, 4]);
    const b = frames.filter((f) => 'jobId' in f && f.jobId === 'b');
    expect(b).toMatchObject([{ type: 'error', code: 'engine_failed' }]);
  });
});
