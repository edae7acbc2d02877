// Embedding jobs on the node: the runner runs them through engine.embed within the slots, and
// the agent announces embedding models and answers `embed` frames on the wire.
import {
  decodeEmbeddingResult,
  encode,
  NODE_PROTOCOL_VERSION,
  type EmbedJobRequest,
  type EmbeddingFrame,
  type JobRequest,
  type NodeToEdge,
} from '@proxima/core/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type GenerateEvent,
} from '../engine/engine.ts';
import { NodeAgent } from './agent.ts';
import { fakeEdge } from './edge-stand-in.testing.ts';
import { JobRunner } from './job-runner.ts';
import { silentLogger } from './log.ts';

/** Each input's vector: its length and its first code unit, as the test can compute them. */
const vectorOf = (text: string, dim: number) =>
  Float32Array.from({ length: dim }, (_, i) => (i === 0 ? text.length : text.charCodeAt(0) / 7));

/** An engine with a chat model 'chat' and an embedding model 'vec'; `gate` holds every call. */
function testEngine(options: { gate?: Promise<void>; embed?: Engine['embed'] } = {}) {
  const calls: EmbedRequest[] = [];
  const aborted: string[] = [];
  const engine: Engine = {
    models: [
      { id: 'chat', contextSize: 64, description: 'chat' },
      { id: 'vec', kind: 'embed', contextSize: 64, description: 'vectors' },
    ],
    info: () => Promise.resolve({ engine: 't', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
    async *generate(): AsyncGenerator<GenerateEvent> {
      await options.gate;
      yield { type: 'delta', text: 'ok' };
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } };
    },
    embed:
      options.embed ??
      (async (req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> => {
        calls.push(req);
        signal.addEventListener('abort', () => aborted.push(req.inputs[0] ?? ''));
        await Promise.race([
          options.gate,
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('aborted'))),
          ),
        ]);
        const dim = req.dimensions ?? 3;
        return {
          vectors: req.inputs.map((t) => vectorOf(t, dim)),
          promptTokens: req.inputs.join('').length,
        };
      }),
    close: () => Promise.resolve(),
  };
  return { engine, calls, aborted };
}

const embedJob = (inputs: string[], dimensions?: number): EmbedJobRequest => ({
  model: 'vec',
  inputs,
  ...(dimensions === undefined ? {} : { dimensions }),
});

const chatJob: JobRequest = {
  model: 'chat',
  messages: [{ role: 'user', content: 'hi' }],
  maxTokens: null,
  temperature: 1,
  topP: 1,
  stop: [],
  seed: null,
};

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('JobRunner: embedding jobs', () => {
  it('sends one embedding frame with the engine’s vectors, bit-exact', async () => {
    const { engine, calls } = testEngine();
    const runner = new JobRunner(engine, 1, silentLogger);
    const sent: NodeToEdge[] = [];
    const job = embedJob(['hello', 'ça'], 5);
    runner.submitEmbed('e1', job, (m) => sent.push(m) > 0);
    await runner.idle();
    expect(calls).toEqual([{ model: 'vec', inputs: ['hello', 'ça'], dimensions: 5 }]);
    expect(sent).toHaveLength(1);
    const frame = sent[0] as EmbeddingFrame;
    expect(frame).toMatchObject({ type: 'embedding', jobId: 'e1', promptTokens: 7 });
    expect(decodeEmbeddingResult(frame, job)).toEqual({
      ok: true,
      vectors: [vectorOf('hello', 5), vectorOf('ça', 5)],
      promptTokens: 7,
    });
  });

  it('shares the slots with generations: an embedding waits for a free slot', async () => {
    const held = gate();
    const { engine, calls } = testEngine({ gate: held.promise });
    const runner = new JobRunner(engine, 1, silentLogger);
    const sent: NodeToEdge[] = [];
    runner.submit('g1', chatJob, (m) => sent.push(m) > 0);
    runner.submitEmbed('e1', embedJob(['x']), (m) => sent.push(m) > 0);
    await tick();
    expect(runner.inFlight).toBe(1);
    expect(runner.queued).toBe(1);
    expect(calls).toEqual([]);
    held.open();
    await runner.idle();
    expect(sent.map((m) => `${m.type}:${'jobId' in m ? m.jobId : ''}`)).toEqual([
      'chunk:g1',
      'done:g1',
      'embedding:e1',
    ]);
  });

  it('a cancelled embedding (queued or running) sends nothing, and the engine sees the abort', async () => {
    const held = gate();
    const { engine, aborted } = testEngine({ gate: held.promise });
    const runner = new JobRunner(engine, 1, silentLogger);
    const sent: NodeToEdge[] = [];
    runner.submitEmbed('running', embedJob(['first']), (m) => sent.push(m) > 0);
    runner.submitEmbed('queued', embedJob(['second']), (m) => sent.push(m) > 0);
    await tick();
    runner.cancel('queued', 'client went away');
    runner.cancel('running', 'client went away');
    await runner.idle();
    expect(aborted).toEqual(['first']);
    expect(sent).toEqual([]);
  });

  it('a refused parameter is an invalid_request naming it; wrong vectors are engine_failed', async () => {
    const refusing = testEngine({
      embed: () => Promise.reject(new InvalidRequestError('only 3 dimensions', 'dimensions')),
    });
    const wrong = testEngine({
      embed: () => Promise.resolve({ vectors: [Float32Array.of(1)], promptTokens: 1 }),
    });
    const sent: NodeToEdge[] = [];
    for (const { engine } of [refusing, wrong]) {
      const runner = new JobRunner(engine, 1, silentLogger);
      runner.submitEmbed('e', embedJob(['a', 'b'], 9), (m) => sent.push(m) > 0);
      await runner.idle();
    }
    expect(sent).toEqual([
      {
        type: 'error',
        jobId: 'e',
        code: 'invalid_request',
        message: "refused 'dimensions': only 3 dimensions",
      },
      expect.objectContaining({
        type: 'error',
        code: 'engine_failed',
        message: expect.stringMatching(/1 vectors for 2/) as unknown,
      }),
    ]);
  });
});

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function connected(engine: Engine) {
  const edge = await fakeEdge();
  const agent = new NodeAgent({
    edgeUrl: edge.url,
    token: 'pxn_test_token_0123456789',
    nodeId: 'n1',
    engine,
    engineName: 'test',
    slots: 2,
    log: silentLogger,
  });
  const running = agent.run();
  cleanup.push(() => {
    agent.stop();
    edge.server.close();
  });
  const ws = await edge.socket;
  const hello = await edge.next('hello');
  ws.send(encode({ type: 'welcome', protocol: NODE_PROTOCOL_VERSION, heartbeatMs: 60_000 }));
  return { edge, ws, hello, running };
}

describe('NodeAgent: embedding jobs on the wire', () => {
  it("announces the model's kind and the 'embed' feature, and answers an embed frame", async () => {
    const { edge, ws, hello } = await connected(testEngine().engine);
    expect(hello).toMatchObject({
      features: expect.arrayContaining(['embed', 'flow']) as unknown,
      models: [
        { id: 'chat', contextSize: 64 },
        { id: 'vec', kind: 'embed', contextSize: 64 },
      ],
    });
    expect(hello.type === 'hello' && hello.models[0]).not.toHaveProperty('kind');
    const job = embedJob(['abc']);
    ws.send(encode({ type: 'embed', jobId: 'e1', request: job }));
    const frame = (await edge.next('embedding')) as EmbeddingFrame;
    expect(decodeEmbeddingResult(frame, job)).toMatchObject({
      ok: true,
      vectors: [vectorOf('abc', 3)],
    });
  });

  it('refuses an embedding job for a chat model, and fails a malformed embed frame alone', async () => {
    const { edge, ws } = await connected(testEngine().engine);
    ws.send(encode({ type: 'embed', jobId: 'e2', request: { model: 'chat', inputs: ['x'] } }));
    expect(await edge.next('error')).toMatchObject({ jobId: 'e2', code: 'model_not_served' });
    ws.send(JSON.stringify({ type: 'embed', jobId: 'e3', request: { model: 'vec', inputs: [] } }));
    expect(await edge.next('error')).toMatchObject({ jobId: 'e3', code: 'invalid_job' });
    // The connection lives on.
    ws.send(encode({ type: 'embed', jobId: 'e4', request: embedJob(['y']) }));
    expect(await edge.next('embedding')).toMatchObject({ jobId: 'e4' });
  });

  it("a node without an embedding engine does not announce 'embed'", async () => {
    const { engine } = testEngine();
    const chatOnly: Engine = {
      models: [engine.models[0]!],
      info: () => engine.info(),
      generate: (req, signal) => engine.generate(req, signal),
      close: () => engine.close(),
    };
    const { hello } = await connected(chatOnly);
    expect(hello).toMatchObject({ features: ['flow'] });
  });
});
