import { describe, expect, it } from 'vitest';
import { engineCapabilityContract } from './engine-capabilities.case.ts';
import type { Engine, GenerateEvent, GenerateRequest } from './engine.ts';

/**
 * The Engine contract: every engine (node-llama-cpp today; ollama, OpenAI-compatible, ONNX later)
 * runs this suite. `setup` returns an engine that serves `model` and can generate at least 200
 * tokens without ending on its own, with at least 2 slots and a context that holds a prompt
 * listing two small tools and 400 tokens after it (2048 tokens on the byte-level demo model). Each capability the model announces
 * adds its own cases (engine-capabilities.case.ts).
 */
export interface EngineFixture {
  readonly engine: Engine;
  readonly model: string;
  /** A token of the model (id and its text) for the logit_bias cases; without it they skip. */
  readonly probeToken?: { readonly id: number; readonly text: string };
}

/** A small chat request for `model`; tests override what they check. */
export function engineRequest(model: string, over: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are a test.' },
      { role: 'user', content: 'Say something.' },
    ],
    maxTokens: 16,
    temperature: 0.8,
    topP: 0.95,
    stop: [],
    seed: 1,
    ...over,
  };
}

/** Runs a generation to its end; fails unless it ends with exactly one `done`. */
export async function collectGeneration(
  engine: Engine,
  req: GenerateRequest,
  signal = new AbortController().signal,
) {
  const events: GenerateEvent[] = [];
  for await (const ev of engine.generate(req, signal)) events.push(ev);
  const done = events.at(-1);
  if (done?.type !== 'done') throw new Error('stream did not end with done');
  const deltas = events.filter((e) => e.type === 'delta').map((e) => e.text);
  return { events, deltas, text: deltas.join(''), done };
}

/**
 * close() while `req` (long enough to outlast the first delta) streams: the stream ends with an
 * AbortError after its first delta, and a new generation is refused as closed.
 */
export async function expectCloseStopsAndRefuses(engine: Engine, req: GenerateRequest) {
  const it = engine.generate(req, new AbortController().signal)[Symbol.asyncIterator]();
  expect((await it.next()).value).toMatchObject({ type: 'delta' });
  await engine.close();
  await expect(
    (async () => {
      for (;;) if ((await it.next()).done) return;
    })(),
  ).rejects.toMatchObject({ name: 'AbortError' });
  await expect(collectGeneration(engine, { ...req, maxTokens: 16 })).rejects.toThrow(/closed/);
}

export function engineContract(name: string, fixture: () => EngineFixture): void {
  const request = (over: Partial<GenerateRequest> = {}) => engineRequest(fixture().model, over);
  const collect = (req: GenerateRequest, signal?: AbortSignal) =>
    collectGeneration(fixture().engine, req, signal);

  describe(`Engine contract: ${name}`, () => {
    it('lists the model and reports its hardware', async () => {
      const { engine, model } = fixture();
      expect(engine.models.map((m) => m.id)).toContain(model);
      for (const m of engine.models) expect(m.contextSize).toBeGreaterThan(0);
      const info = await engine.info();
      expect(info.vramTotalBytes).toBeGreaterThanOrEqual(info.vramFreeBytes);
      expect(info.vramFreeBytes).toBeGreaterThanOrEqual(0);
    });

    it('streams several deltas, then exactly one done with usage', async () => {
      const run = await collect(request({ maxTokens: 32 }));
      expect(run.deltas.length).toBeGreaterThanOrEqual(2);
      expect(run.events.filter((e) => e.type === 'done')).toHaveLength(1);
      expect(run.done.usage.promptTokens).toBeGreaterThan(0);
      expect(run.done.usage.completionTokens).toBeGreaterThan(0);
    });

    it("stops at maxTokens with finishReason 'length' and counts exactly that many tokens", async () => {
      for (const maxTokens of [1, 7]) {
        const { done } = await collect(request({ maxTokens }));
        expect(done.finishReason).toBe('length');
        expect(done.usage.completionTokens).toBe(maxTokens);
      }
    });

    it("ends at a stop string with finishReason 'stop', without emitting it", async () => {
      const greedy = request({ temperature: 0, maxTokens: 64 });
      const full = await collect(greedy);
      // A letter right after plain ASCII: cutting there leaves no half UTF-8 sequence behind.
      const text = full.text;
      const stop = [...new Set(text)].find((c) => {
        const j = text.indexOf(c);
        return /[a-z]/i.test(c) && j >= 1 && /[\x20-\x7e]/.test(text[j - 1] ?? '');
      });
      if (stop === undefined) throw new Error(`no usable stop string in ${JSON.stringify(text)}`);
      const cut = await collect({ ...greedy, stop: [stop] });
      expect(cut.done.finishReason).toBe('stop');
      expect(cut.text).toBe(text.slice(0, text.indexOf(stop)));
    });

    it('aborts promptly with an AbortError', async () => {
      const controller = new AbortController();
      let abortedAt = 0;
      const run = async () => {
        for await (const ev of fixture().engine.generate(
          request({ maxTokens: 100_000 }),
          controller.signal,
        )) {
          if (ev.type === 'delta' && abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort();
          }
        }
      };
      await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
      expect(performance.now() - abortedAt).toBeLessThan(500);
    });

    it('rejects an already-aborted signal without generating', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(collect(request(), controller.signal)).rejects.toMatchObject({
        name: 'AbortError',
      });
    });

    it('serves more requests than slots, and frees a slot when the consumer stops early', async () => {
      for await (const ev of fixture().engine.generate(
        request({ maxTokens: 200 }),
        new AbortController().signal,
      )) {
        void ev;
        break;
      }
      const runs = await Promise.all(
        [1, 2, 3, 4].map((seed) => collect(request({ maxTokens: 20, seed }))),
      );
      for (const run of runs) expect(run.done.usage.completionTokens).toBe(20);
    });

    it('rejects a request for a model it does not serve', async () => {
      await expect(collect(request({ model: 'no-such-model' }))).rejects.toThrow(/no-such-model/);
    });
  });
  engineCapabilityContract(name, fixture);
}
