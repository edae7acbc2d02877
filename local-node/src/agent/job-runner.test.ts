import type { JobRequest, NodeToEdge } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import {
  ContextOverflowError,
  InvalidRequestError,
  type Engine,
  type GenerateEvent,
  type GenerateRequest,
} from '../engine/engine.ts';
import { JobRunner } from './job-runner.ts';
import { silentLogger } from './log.ts';

/** An engine whose generations the test releases by hand, to observe scheduling. */
function gatedEngine() {
  const gates: Array<() => void> = [];
  const started: string[] = [];
  const engine: Engine = {
    models: [{ id: 'm', contextSize: 64, description: 'test' }],
    info: () =>
      Promise.resolve({ engine: 'gated', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
    async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
      started.push(req.messages[0]?.content ?? '');
      yield { type: 'delta', text: 'a' };
      await new Promise<void>((resolve, reject) => {
        gates.push(resolve);
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
      yield { type: 'delta', text: 'b' };
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2 } };
    },
    close: () => Promise.resolve(),
  };
  return { engine, gates, started };
}

const request = (content: string, model = 'm'): JobRequest => ({
  model,
  messages: [{ role: 'user', content }],
  maxTokens: null,
  temperature: 1,
  topP: 1,
  stop: [],
  seed: null,
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('JobRunner', () => {
  it('reports a prompt over the context as context_length_exceeded, anything else as engine_failed', async () => {
    for (const [thrown, code] of [
      [new ContextOverflowError(300, 256), 'context_length_exceeded'],
      [
        new InvalidRequestError('logit_bias: token id 9999 is not in…', 'logit_bias'),
        'invalid_request',
      ],
      [new Error('boom'), 'engine_failed'],
    ] as const) {
      const engine: Engine = {
        models: [{ id: 'm', contextSize: 256, description: 'test' }],
        info: () =>
          Promise.resolve({ engine: 't', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
        async *generate(): AsyncGenerator<GenerateEvent> {
          await Promise.resolve();
          throw thrown;
        },
        close: () => Promise.resolve(),
      };
      const runner = new JobRunner(engine, 1, silentLogger);
      const sent: NodeToEdge[] = [];
      runner.submit('j', request('x'), (m) => sent.push(m) > 0);
      await runner.idle();
      expect(sent).toEqual([expect.objectContaining({ type: 'error', jobId: 'j', code })]);
    }
  });

  it('streams numbered chunks and one done frame', async () => {
    const { engine, gates } = gatedEngine();
    const runner = new JobRunner(engine, 1, silentLogger);
    const sent: NodeToEdge[] = [];
    runner.submit('j1', request('x'), (m) => sent.push(m) > 0);
    await tick();
    gates.shift()?.();
    await runner.idle();
    expect(sent).toEqual([
      { type: 'chunk', jobId: 'j1', seq: 0, text: 'a' },
      { type: 'chunk', jobId: 'j1', seq: 1, text: 'b' },
      {
        type: 'done',
        jobId: 'j1',
        seq: 2,
        finishReason: 'stop',
        usage: { promptTokens: 1, completionTokens: 2 },
      },
    ]);
  });

  it('runs at most `slots` jobs and queues the rest in order', async () => {
    const { engine, gates, started } = gatedEngine();
    const runner = new JobRunner(engine, 2, silentLogger);
    for (const id of ['1', '2', '3']) runner.submit(id, request(id), () => true);
    await tick();
    expect(started).toEqual(['1', '2']);
    expect(runner.inFlight).toBe(2);
    expect(runner.queued).toBe(1);
    gates.shift()?.();
    await tick();
    expect(started).toEqual(['1', '2', '3']);
    gates.splice(0).forEach((g) => g());
    await runner.idle();
    expect(runner.inFlight).toBe(0);
  });

  it('cancels a running job without sending anything more, and a queued one before it starts', async () => {
    const { engine, started } = gatedEngine();
    const runner = new JobRunner(engine, 1, silentLogger);
    const sent: NodeToEdge[] = [];
    runner.submit('run', request('run'), (m) => sent.push(m) > 0);
    runner.submit('wait', request('wait'), (m) => sent.push(m) > 0);
    await tick();
    runner.cancel('wait', 'client went away');
    runner.cancel('run', 'client went away');
    await runner.idle();
    expect(started).toEqual(['run']);
    expect(sent.map((m) => m.type)).toEqual(['chunk']);
  });

  // Which jobs are refused (other models, a prefix the engine cannot continue, a duplicate id) is
  // core's admitJob (node-jobs.test.ts) and the node-peer contract (agent.contract.test.ts).
  it('passes an assistant prefix to the engine', async () => {
    const seen: Array<string | undefined> = [];
    const recording = (continuesAssistant: boolean): Engine => ({
      ...gatedEngine().engine,
      continuesAssistant,
      async *generate(req: GenerateRequest): AsyncGenerator<GenerateEvent> {
        await Promise.resolve();
        seen.push(req.assistantPrefix);
        yield {
          type: 'done',
          finishReason: 'stop',
          usage: { promptTokens: 1, completionTokens: 0 },
        };
      },
    });
    const job = { ...request('x'), assistantPrefix: 'Once upon' };
    const runner = new JobRunner(recording(true), 1, silentLogger);
    const sent: NodeToEdge[] = [];
    runner.submit('j', job, (m) => sent.push(m) > 0);
    await runner.idle();
    expect(sent.at(-1)).toMatchObject({ type: 'done' });
    expect(seen).toEqual(['Once upon']);
  });

  it('reports an engine failure as an error frame', async () => {
    const engine: Engine = {
      ...gatedEngine().engine,
      async *generate(): AsyncGenerator<GenerateEvent> {
        await Promise.resolve();
        throw new Error('out of memory');
      },
    };
    const runner = new JobRunner(engine, 1, silentLogger);
    const sent: NodeToEdge[] = [];
    runner.submit('j', request('x'), (m) => sent.push(m) > 0);
    await runner.idle();
    expect(sent).toEqual([
      { type: 'error', jobId: 'j', code: 'engine_failed', message: 'out of memory' },
    ]);
  });

  it('aborts everything when the connection is lost', async () => {
    const { engine } = gatedEngine();
    const runner = new JobRunner(engine, 1, silentLogger);
    runner.submit('a', request('a'), () => true);
    runner.submit('b', request('b'), () => true);
    await tick();
    runner.abortAll('connection lost');
    await runner.idle();
    expect(runner.inFlight + runner.queued).toBe(0);
  });
});
