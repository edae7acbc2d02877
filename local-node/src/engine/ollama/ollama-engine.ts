/**
 * Engine backed by an Ollama server's native API: its models (or those named), chat on /api/chat,
 * raw completions and fill-in-the-middle on /api/generate, embeddings on /api/embed. The node
 * sends at most `slots` requests at once; the server queues nothing of ours beyond that.
 */
import { randomUUID } from 'node:crypto';
import type { Ollama } from 'ollama';
import { silentLogger } from '../../agent/log.ts';
import { abortError, throwIfAborted } from '../abort.ts';
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineInfo,
  type GenerateEvent,
  type GenerateRequest,
} from '../engine.ts';
import { Slots } from '../slots.ts';
import { ollamaClient } from './ollama-client.ts';
import { discoverModels } from './ollama-discovery.ts';
import { ollamaFailure } from './ollama-errors.ts';
import { OllamaStreamReader, type OllamaChunk } from './ollama-events.ts';
import { engineInfoOf, UNKNOWN_INFO } from './ollama-info.ts';
import type { OllamaModel } from './ollama-models.ts';
import { validateOllamaOptions, type OllamaEngineOptions } from './ollama-options.ts';
import { ollamaCallOf } from './ollama-request.ts';

export type { OllamaEngineOptions } from './ollama-options.ts';

export interface OllamaEngine extends Engine {
  /** Concurrent requests this engine sends: what the node should announce as its slots. */
  readonly slots: number;
}

type ClientChat = Parameters<Ollama['chat']>[0] & { stream: true };

/** A short bound on /api/ps for info(): a heartbeat must not hang on a slow server. */
const INFO_TIMEOUT_MS = 5_000;

export async function createOllamaEngine(options: OllamaEngineOptions): Promise<OllamaEngine> {
  const opts = validateOllamaOptions(options);
  const log = options.log ?? silentLogger;
  const newCallId =
    options.newCallId ?? (() => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`);
  const models = await discoverModels(opts, log);
  const byId = new Map<string, OllamaModel>(models.map((m) => [m.id, m]));
  if (opts.slots === undefined)
    log('info', 'ollama.slots_default', {
      slots: 1,
      hint: "Ollama does not report how many requests it runs at once; set slots to the server's OLLAMA_NUM_PARALLEL",
    });
  if (opts.contextSize === undefined)
    log('info', 'ollama.context_default', {
      hint: 'models run with the context Ollama gives them (num_ctx, else OLLAMA_CONTEXT_LENGTH); longer prompts are refused; set contextSize to send num_ctx',
    });
  const slots = new Slots(opts.slots ?? 1);
  const running = new Set<AbortController>();
  let closed = false;
  let lastInfo = UNKNOWN_INFO;

  function modelFor(id: string, kind: 'generate' | 'embed'): OllamaModel {
    const model = byId.get(id);
    if (model === undefined)
      throw new Error(
        `ollama engine: unknown model '${id}'; this engine serves ${[...byId.keys()].map((k) => `'${k}'`).join(', ')}`,
      );
    if ((model.kind ?? 'generate') !== kind)
      throw new InvalidRequestError(
        kind === 'embed'
          ? `model '${id}' does not make embeddings`
          : `model '${id}' makes embeddings; it does not generate`,
        'model',
      );
    return model;
  }

  /** A controller for one request: fires on the caller's abort, on close, and when it ends. */
  function begin(signal: AbortSignal): { stop: AbortController; end: () => void } {
    if (closed) throw new Error('ollama engine: closed');
    throwIfAborted(signal);
    const stop = new AbortController();
    const forward = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    running.add(stop);
    return {
      stop,
      end: () => {
        stop.abort();
        signal.removeEventListener('abort', forward);
        running.delete(stop);
      },
    };
  }

  async function* generate(
    req: GenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerateEvent, void, undefined> {
    const model = modelFor(req.model, 'generate');
    const call = ollamaCallOf(req, model.target);
    const { stop, end } = begin(signal);
    const failure = { host: opts.host, signal: stop.signal, model: model.target.name };
    const context = { ...failure, contextSize: model.contextSize };
    const release = await slots.acquire(stop.signal).catch((err: unknown) => {
      end();
      throw err;
    });
    try {
      const client = ollamaClient(opts.host, stop.signal);
      const reader = new OllamaStreamReader({
        forced: call.endpoint === 'chat' ? call.forced : undefined,
        parallelToolCalls: call.endpoint === 'chat' ? call.parallelToolCalls : true,
        newCallId,
      });
      let stream: AsyncIterable<OllamaChunk>;
      try {
        // The client's types lack fields newer servers read (truncate, tool_call_id …).
        stream =
          call.endpoint === 'chat'
            ? await client.chat(call.body as unknown as ClientChat)
            : await client.generate(call.body);
      } catch (err) {
        throw ollamaFailure(err, context);
      }
      const lines = stream[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<OllamaChunk>;
        try {
          next = await lines.next();
        } catch (err) {
          throw ollamaFailure(err, context);
        }
        if (next.done === true) break;
        for (const event of reader.push(next.value)) yield event;
        if (stop.signal.aborted) throw abortError(stop.signal);
      }
      if (!reader.finished)
        throw new Error(`ollama engine: the Ollama server at ${opts.host} ended the stream early`);
    } finally {
      end();
      release();
    }
  }

  async function embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
    const model = modelFor(req.model, 'embed');
    const { stop, end } = begin(signal);
    const context = {
      host: opts.host,
      signal: stop.signal,
      model: model.target.name,
      contextSize: model.contextSize,
    };
    const release = await slots.acquire(stop.signal).catch((err: unknown) => {
      end();
      throw err;
    });
    try {
      const client = ollamaClient(opts.host, stop.signal);
      const res = await client
        .embed({
          model: model.target.name,
          input: [...req.inputs],
          // false: an input too long for the model is an error, not silently cut.
          truncate: false,
          ...(req.dimensions === undefined ? {} : { dimensions: req.dimensions }),
          ...(model.target.keepAlive === undefined ? {} : { keep_alive: model.target.keepAlive }),
        })
        .catch((err: unknown) => {
          throw ollamaFailure(err, context);
        });
      if (res.embeddings.length !== req.inputs.length)
        throw new Error(
          `ollama engine: the Ollama server at ${opts.host} returned ${res.embeddings.length} vectors for ${req.inputs.length} inputs`,
        );
      return {
        vectors: res.embeddings.map((v) => Float32Array.from(v)),
        promptTokens: res.prompt_eval_count ?? 0,
      };
    } finally {
      end();
      release();
    }
  }

  async function info(): Promise<EngineInfo> {
    const signal = AbortSignal.timeout(INFO_TIMEOUT_MS);
    try {
      const ps = await ollamaClient(opts.host, signal).ps();
      lastInfo = engineInfoOf(ps.models);
    } catch (err) {
      // Heartbeats carry these figures: an unreachable server keeps the last ones, and says so.
      const message = signal.aborted
        ? `no answer within ${INFO_TIMEOUT_MS / 1000} s`
        : ollamaFailure(err, { host: opts.host, signal }).message;
      log('warn', 'ollama.ps_failed', { host: opts.host, message });
    }
    return lastInfo;
  }

  return {
    models,
    continuesAssistant: false,
    slots: slots.size,
    info,
    generate,
    ...(models.some((m) => m.kind === 'embed') ? { embed } : {}),
    close(): Promise<void> {
      closed = true;
      // Nothing is held here but HTTP requests: aborting them is all there is to do.
      for (const stop of running) stop.abort(new Error('ollama engine closed'));
      return Promise.resolve();
    },
  };
}
