/** One timed call each way: through the edge over HTTP, or on the engine in this process. */
import { performance } from 'node:perf_hooks';
import type { Engine, GenerateRequest } from '../../local-node/src/engine/engine.ts';
import type { Answered } from './requests.ts';

export interface Timed extends Answered {
  /** Request sent → whole answer read. */
  readonly ms: number;
  /** Request sent → first text arrived; only where the answer streams. */
  readonly firstTextMs?: number;
}

const jsonHeaders = (apiKey: string) => ({
  authorization: `Bearer ${apiKey}`,
  'content-type': 'application/json',
});

/** POSTs `body` to `path` on the edge; the time covers the whole body. Non-2xx throws. */
export function edgeCaller(url: string, apiKey: string) {
  const headers = jsonHeaders(apiKey);
  return async (path: string, body: string, parse: (b: unknown) => Answered): Promise<Timed> => {
    const t0 = performance.now();
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    return { ms, ...parse(JSON.parse(text)) };
  };
}

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { completion_tokens?: number } | null;
}

/**
 * POSTs a streaming chat completion (`stream: true`, `include_usage`) and reads its SSE events
 * as they arrive, noting when the first text came.
 */
export function edgeStreamCaller(url: string, apiKey: string) {
  const headers = jsonHeaders(apiKey);
  return async (body: string): Promise<Timed> => {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body });
    if (!res.ok || res.body === null)
      throw new Error(`stream: ${res.status} ${(await res.text()).slice(0, 300)}`);
    let text = '';
    let firstTextMs: number | undefined;
    let completionTokens = -1;
    let pending = '';
    const decoder = new TextDecoder();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      pending += decoder.decode(read.value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        const chunk = JSON.parse(line.slice(6)) as StreamChunk;
        const piece = chunk.choices?.[0]?.delta?.content ?? '';
        if (piece !== '') firstTextMs ??= performance.now() - t0;
        text += piece;
        if (typeof chunk.usage?.completion_tokens === 'number')
          completionTokens = chunk.usage.completion_tokens;
      }
    }
    const ms = performance.now() - t0;
    if (completionTokens < 0) throw new Error('stream: no usage chunk');
    return { ms, text, completionTokens, ...(firstTextMs === undefined ? {} : { firstTextMs }) };
  };
}

/** Runs a generation to its end in process. */
export async function engineCall(engine: Engine, req: GenerateRequest): Promise<Timed> {
  const t0 = performance.now();
  let text = '';
  let firstTextMs: number | undefined;
  let completionTokens = -1;
  for await (const ev of engine.generate(req, new AbortController().signal)) {
    if (ev.type === 'delta') {
      if (ev.text !== '') firstTextMs ??= performance.now() - t0;
      text += ev.text;
    } else completionTokens = ev.usage.completionTokens;
  }
  const ms = performance.now() - t0;
  if (completionTokens < 0) throw new Error('engine: the stream ended without done');
  return { ms, text, completionTokens, ...(firstTextMs === undefined ? {} : { firstTextMs }) };
}
