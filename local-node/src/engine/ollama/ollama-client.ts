/**
 * The official `ollama` client, one per request: its abort() stops every stream of a client, so
 * each request gets its own, with a fetch that also carries the request's signal (the client
 * passes no signal to non-streamed calls, and its own controller to streamed ones).
 */
import { Ollama } from 'ollama';

export function ollamaClient(host: string, signal: AbortSignal): Ollama {
  const abortable: typeof fetch = (input, init) =>
    fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
    });
  return new Ollama({ host, fetch: abortable });
}
