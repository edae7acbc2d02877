// One answer on the node's own engine, in any dialect: the request becomes the job the edge would
// have sent (toJobRequest, generateRequestOf), and the renderer the edge uses puts it on the wire.
// Failures before the first event are HTTP errors; after it, the dialect's error frame.
import {
  AnswerBuilder,
  ProximaError,
  toJobRequest,
  type AnswerDelta,
  type AnswerRendering,
  type ChatRequest,
} from '@proxima/core/protocol';
import type { Logger } from '../agent/log.ts';
import type { Engine, GenerateEvent } from '../engine/engine.ts';
import { generateRequestOf } from '../engine/generate-request-of.ts';
import { engineError, failureCode, logEngineFailure, type FailedWork } from './engine-errors.ts';

export interface LocalAnswer {
  readonly engine: Engine;
  readonly request: ChatRequest;
  readonly rendering: AnswerRendering;
  /** Fires when the client goes away: the generation stops. */
  readonly clientGone: AbortSignal;
  readonly log: Logger;
}

const ENDED_EARLY = 'the engine ended without a done event';

export async function answerLocally(input: LocalAnswer): Promise<Response> {
  const { engine, request, rendering, clientGone, log } = input;
  const work: FailedWork = {
    model: request.model,
    promptParam: request.prompt === undefined ? 'messages' : 'prompt',
    what: request.prompt === undefined ? 'the chat' : 'the completion',
  };
  const stop = new AbortController();
  const onGone = () => stop.abort(new Error('the client went away'));
  if (clientGone.aborted) onGone();
  clientGone.addEventListener('abort', onGone, { once: true });
  let iterator: AsyncIterator<GenerateEvent>;
  let first: IteratorResult<GenerateEvent>;
  try {
    const job = generateRequestOf(toJobRequest(request));
    iterator = engine.generate(job, stop.signal)[Symbol.asyncIterator]();
    // The first event (or the engine's refusal) before any header: a prompt that does not fit
    // is a 400, streamed or not.
    first = await iterator.next();
  } catch (err) {
    clientGone.removeEventListener('abort', onGone);
    if (stop.signal.aborted) throw new ProximaError('client_closed', 'The client went away.');
    throw engineError(err, work, log);
  }
  if (!request.stream) {
    try {
      return Response.json(await whole(first, iterator, input));
    } catch (err) {
      if (stop.signal.aborted) throw new ProximaError('client_closed', 'The client went away.');
      throw engineError(err, work, log);
    } finally {
      clientGone.removeEventListener('abort', onGone);
    }
  }
  const texts = frameTexts(first, iterator, input, work, stop.signal);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Each pull sends something or ends the stream: a pull that enqueues nothing is not repeated.
      for (;;) {
        const next = await texts.next();
        if (next.done) {
          clientGone.removeEventListener('abort', onGone);
          controller.close();
          return;
        }
        if (next.value !== '') {
          controller.enqueue(encoder.encode(next.value));
          return;
        }
      }
    },
    async cancel() {
      onGone();
      await texts.return(undefined);
    },
  });
  return new Response(body, { headers: rendering.streamHeaders });
}

/** The answer's JSON body, from its events collected. */
async function whole(
  first: IteratorResult<GenerateEvent>,
  iterator: AsyncIterator<GenerateEvent>,
  { request, rendering }: LocalAnswer,
): Promise<unknown> {
  const builder = new AnswerBuilder(request.logprobs !== null);
  try {
    for (let result = first; !result.done; result = await iterator.next()) {
      const event = result.value;
      if (event.type === 'done')
        return rendering.whole(builder.answer, event.finishReason, event.usage, undefined);
      builder.add(deltaOf(event));
    }
    throw new Error(ENDED_EARLY);
  } finally {
    await closeEvents(iterator);
  }
}

/** The stream's frames, in order; a failure after the first event is the dialect's error frame. */
async function* frameTexts(
  first: IteratorResult<GenerateEvent>,
  iterator: AsyncIterator<GenerateEvent>,
  { rendering, log }: LocalAnswer,
  work: FailedWork,
  stopped: AbortSignal,
): AsyncGenerator<string> {
  const frames = rendering.frames();
  yield frames.start(undefined);
  try {
    for (let result = first; !result.done; result = await iterator.next()) {
      const event = result.value;
      if (event.type === 'done') {
        yield frames.done(event.finishReason, event.usage);
        return;
      }
      yield frames.chunk(deltaOf(event));
    }
    throw new Error(ENDED_EARLY);
  } catch (err) {
    if (stopped.aborted) return; // nobody is reading
    const code = failureCode(err);
    if (code === 'engine_failed') logEngineFailure(err, work, log);
    yield frames.error(code);
  } finally {
    await closeEvents(iterator);
  }
}

/** Lets the engine's generator finish (its `finally` frees the slot), as `for await` would. */
async function closeEvents(iterator: AsyncIterator<GenerateEvent>): Promise<void> {
  await iterator.return?.().catch(() => undefined);
}

function deltaOf(event: Extract<GenerateEvent, { type: 'delta' }>): AnswerDelta {
  const { type: _type, ...delta } = event;
  return delta;
}
