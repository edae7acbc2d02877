/**
 * Engine backed by any OpenAI-compatible `/v1` server (llama-server, vLLM, LM Studio, another
 * Proxima node or edge …) through the official openai client: models from `/v1/models`, chat and
 * raw completions streamed, embeddings for models a Proxima server announces as such.
 */
import { randomUUID } from 'node:crypto';
import type OpenAI from 'openai';
import { silentLogger } from '../../agent/log.ts';
import { throwIfAborted } from '../abort.ts';
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineInfo,
  type EngineModel,
  type GenerateEvent,
  type GenerateRequest,
} from '../engine.ts';
import { Slots } from '../slots.ts';
import { openAiClient } from './client.ts';
import { embedResultOf } from './embed-result.ts';
import { engineErrorOf } from './errors.ts';
import { servedModelsOf, type ServedModel } from './models.ts';
import { validateOpenAiCompatOptions, type OpenAiCompatEngineOptions } from './options.ts';
import { serverRequestOf } from './request-body.ts';
import { generateEventsOf } from './stream-events.ts';

export type { OpenAiCompatEngineOptions } from './options.ts';

/** How long startup waits for `/v1/models`: a server that does not answer fails the node clearly. */
const LISTING_TIMEOUT_MS = 15_000;

const newCallId = (): string => `call_${randomUUID().replaceAll('-', '')}`;

export async function createOpenAiCompatEngine(
  options: OpenAiCompatEngineOptions,
): Promise<Engine> {
  const opts = validateOpenAiCompatOptions(options);
  const log = options.log ?? silentLogger;
  const client = openAiClient(opts.baseUrl, opts.apiKey);
  let data: readonly unknown[];
  try {
    data = (await client.models.list({ timeout: LISTING_TIMEOUT_MS })).data;
  } catch (err) {
    throw engineErrorOf(err, opts.shownUrl, new AbortController().signal);
  }
  const { served, notes } = servedModelsOf(data, opts);
  for (const note of notes) log('warn', 'openai_compat.model', { url: opts.shownUrl, note });
  log('info', 'openai_compat.ready', {
    url: opts.shownUrl,
    models: served.map((s) => s.model.id),
    slots: opts.slots,
  });
  const byId = new Map(served.map((s) => [s.model.id, s]));
  const slots = new Slots(opts.slots);
  const running = new Set<AbortController>();
  let closed = false;

  /** The served model `id` names, of `kind`; a clear error otherwise. */
  function modelFor(id: string, kind: 'generate' | 'embed'): ServedModel {
    if (closed) throw new Error('openai-compatible engine: closed');
    const found = byId.get(id);
    if (found === undefined)
      throw new Error(
        `openai-compatible engine: unknown model '${id}'; this engine serves ${[...byId.keys()].map((m) => `'${m}'`).join(', ')}`,
      );
    if ((found.model.kind ?? 'generate') !== kind)
      throw new InvalidRequestError(
        `openai-compatible engine: '${id}' is not a model of kind '${kind}'`,
        'model',
      );
    return found;
  }

  /** Runs `work` holding a slot, under a signal that also fires on close or when the caller leaves. */
  async function* withSlot<T>(
    signal: AbortSignal,
    work: (stop: AbortSignal) => AsyncGenerator<T, void, undefined>,
  ): AsyncGenerator<T, void, undefined> {
    throwIfAborted(signal);
    const stop = new AbortController();
    const forward = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    running.add(stop);
    try {
      const release = await slots.acquire(stop.signal);
      try {
        yield* work(stop.signal);
      } finally {
        release();
      }
    } catch (err) {
      throw engineErrorOf(err, opts.shownUrl, stop.signal);
    } finally {
      stop.abort(); // no-op once finished; ends the request if the consumer left early
      signal.removeEventListener('abort', forward);
      running.delete(stop);
    }
  }

  async function* stream(
    served: ServedModel,
    req: GenerateRequest,
    stop: AbortSignal,
  ): AsyncGenerator<GenerateEvent, void, undefined> {
    const request = serverRequestOf(req, served.upstreamId, served.model.capabilities ?? []);
    const chunks: AsyncIterable<unknown> =
      request.endpoint === 'chat'
        ? await client.chat.completions.create(asClientBody(request.body), { signal: stop })
        : await client.completions.create(asClientBody(request.body), { signal: stop });
    yield* generateEventsOf(endsOnAbort(chunks, stop), newCallId);
  }

  async function embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
    const served = modelFor(req.model, 'embed');
    const results = withSlot(signal, async function* (stop) {
      const response = await client.embeddings.create(
        {
          model: served.upstreamId,
          input: [...req.inputs],
          encoding_format: 'float',
          ...(req.dimensions === undefined ? {} : { dimensions: req.dimensions }),
        },
        { signal: stop },
      );
      yield embedResultOf(response, req.inputs.length);
    });
    for await (const result of results) return result;
    throw new Error('openai-compatible engine: no embedding result');
  }

  const hasEmbed = served.some((s) => s.model.kind === 'embed');
  return {
    models: served.map((s): EngineModel => s.model),
    continuesAssistant: false,
    info(): Promise<EngineInfo> {
      return Promise.resolve({
        engine: 'openai-compatible',
        gpu: 'remote',
        vramTotalBytes: 0,
        vramFreeBytes: 0,
      });
    },
    generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
      return (async function* () {
        const served = modelFor(req.model, 'generate');
        yield* withSlot(signal, (stop) => stream(served, req, stop));
      })();
    },
    ...(hasEmbed ? { embed } : {}),
    close(): Promise<void> {
      closed = true;
      for (const stop of running) stop.abort(new Error('openai-compatible engine closed'));
      return Promise.resolve();
    },
  };
}

/** The client's stream just ends when its signal fires: that end is an abort, not an answer. */
async function* endsOnAbort<T>(
  chunks: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  for await (const chunk of chunks) yield chunk;
  throwIfAborted(signal);
}

/**
 * Core's wire bodies are OpenAI's request shapes with readonly lists; the client only
 * serialises them. `stream: true` is always set, which picks the streaming overloads.
 */
function asClientBody<T extends object>(
  body: T,
): T extends { prompt: string }
  ? OpenAI.CompletionCreateParamsStreaming
  : OpenAI.ChatCompletionCreateParamsStreaming {
  return body as never;
}
