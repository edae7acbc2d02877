/**
 * One chat as the failover harness sends it, recorded exactly: streams go by fetch and are parsed
 * here so that `[DONE]`, every id and each chunk's arrival time are seen (the openai client hides
 * `[DONE]`, and a stream that stops without it looks finished to it); whole answers go through the
 * official openai client. Every chat has a deadline, so a hang is recorded as one.
 */
import OpenAI from 'openai';
import type { ChatMessage } from './sequence.ts';

export interface ChatSpec {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly stream: boolean;
  /** stream_options.include_usage */
  readonly includeUsage: boolean;
}

export interface Chunk {
  readonly text: string;
  /** performance.now() when it arrived. */
  readonly at: number;
}

export interface ChatOutcome {
  readonly spec: ChatSpec;
  /** HTTP status; 0 when no response came (connection failure or deadline before headers). */
  readonly status: number;
  /** x-proxima-backend: the first backend. */
  readonly backend: string | null;
  /** Distinct completion ids seen. */
  readonly ids: readonly string[];
  readonly chunks: readonly Chunk[];
  readonly text: string;
  readonly finish: string | null;
  readonly usage: { readonly prompt: number; readonly completion: number } | null;
  /** `data: [DONE]` arrived (streams). */
  readonly done: boolean;
  /** An explicit error: an SSE error event, or an HTTP error with an error body. */
  readonly error: { readonly code: string | null; readonly message: string } | null;
  /** A transport problem: the connection broke, or the deadline passed. */
  readonly transport: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface Endpoint {
  readonly url: string;
  readonly apiKey: string;
  readonly client: OpenAI;
}

export function endpoint(url: string, apiKey: string): Endpoint {
  return { url, apiKey, client: new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 }) };
}

/** A chat in flight: its headers, its chunks as they come, and its outcome. */
export class LiveChat {
  readonly spec: ChatSpec;
  readonly result: Promise<ChatOutcome>;
  /** Resolves with the status and backend once headers arrive (status 0: none came). */
  readonly headers: Promise<{ readonly status: number; readonly backend: string | null }>;
  private readonly received: Chunk[] = [];
  private ended = false;
  private waiters: Array<() => void> = [];
  private gotHeaders: (h: { status: number; backend: string | null }) => void = () => undefined;

  constructor(api: Endpoint, model: string, spec: ChatSpec, deadlineMs: number) {
    this.spec = spec;
    this.headers = new Promise((resolve) => (this.gotHeaders = resolve));
    const run = spec.stream
      ? this.stream(api, model, deadlineMs)
      : this.whole(api, model, deadlineMs);
    this.result = run.finally(() => {
      this.ended = true;
      this.gotHeaders({ status: 0, backend: null });
      this.wake();
    });
  }

  get chunkCount(): number {
    return this.received.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** True once `n` chunks arrived; false if the chat ended first. */
  async whenChunks(n: number): Promise<boolean> {
    while (this.received.length < n) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return true;
  }

  /** Resolves at the first chunk that arrives after `since` (or the chat's end). */
  async chunkAfter(since: number): Promise<void> {
    while (!this.ended && !this.received.some((c) => c.at >= since)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async stream(api: Endpoint, model: string, deadlineMs: number): Promise<ChatOutcome> {
    const startedAt = performance.now();
    const ids = new Set<string>();
    let status = 0;
    let backend: string | null = null;
    let finish: string | null = null;
    let usage: ChatOutcome['usage'] = null;
    let done = false;
    let error: ChatOutcome['error'] = null;
    let transport: string | null = null;
    try {
      const res = await fetch(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          messages: this.spec.messages,
          max_tokens: this.spec.maxTokens,
          stream: true,
          ...(this.spec.includeUsage ? { stream_options: { include_usage: true } } : {}),
        }),
        signal: AbortSignal.timeout(deadlineMs),
      });
      status = res.status;
      backend = res.headers.get('x-proxima-backend');
      this.gotHeaders({ status, backend });
      if (status !== 200) {
        error = errorOf(await res.text());
      } else {
        const decoder = new TextDecoder();
        let buffered = '';
        for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffered += decoder.decode(bytes, { stream: true });
          let end = buffered.indexOf('\n\n');
          while (end >= 0) {
            const event = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            end = buffered.indexOf('\n\n');
            const data = event
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trim())
              .join('\n');
            if (data === '') continue;
            if (done) {
              transport = 'data after [DONE]';
              continue;
            }
            if (data === '[DONE]') {
              done = true;
              continue;
            }
            const body = JSON.parse(data) as WireChunk;
            if (body.error) {
              error = { code: body.error.code ?? null, message: body.error.message ?? '' };
              continue;
            }
            if (body.id) ids.add(body.id);
            if (body.usage) {
              usage = {
                prompt: body.usage.prompt_tokens,
                completion: body.usage.completion_tokens,
              };
            }
            const choice = body.choices?.[0];
            if (choice?.finish_reason) finish = choice.finish_reason;
            const text = choice?.delta?.content;
            if (text) {
              this.received.push({ text, at: performance.now() });
              this.wake();
            }
          }
        }
        if (buffered.trim() !== '') transport = 'a partial event at the end';
      }
    } catch (err) {
      transport = describe(err);
    }
    return {
      spec: this.spec,
      status,
      backend,
      ids: [...ids],
      chunks: this.received,
      text: this.received.map((c) => c.text).join(''),
      finish,
      usage,
      done,
      error,
      transport,
      startedAt,
      endedAt: performance.now(),
    };
  }

  private async whole(api: Endpoint, model: string, deadlineMs: number): Promise<ChatOutcome> {
    const startedAt = performance.now();
    const base = { spec: this.spec, chunks: [], done: false, startedAt };
    try {
      const { data, response } = await api.client.chat.completions
        .create(
          {
            model,
            // Plain role/content pairs, which is what ChatMessage holds.
            messages: this.spec.messages as OpenAI.ChatCompletionMessageParam[],
            max_tokens: this.spec.maxTokens,
          },
          { timeout: deadlineMs },
        )
        .withResponse();
      const backend = response.headers.get('x-proxima-backend');
      this.gotHeaders({ status: response.status, backend });
      const text = data.choices[0]?.message.content ?? '';
      return {
        ...base,
        status: response.status,
        backend,
        ids: [data.id],
        text,
        finish: data.choices[0]?.finish_reason ?? null,
        usage: data.usage
          ? { prompt: data.usage.prompt_tokens, completion: data.usage.completion_tokens }
          : null,
        error: null,
        transport: null,
        endedAt: performance.now(),
      };
    } catch (err) {
      const failed = { ...base, ids: [], text: '', finish: null, usage: null };
      // An HTTP error with a body is the explicit kind; a connection error has no status.
      const status =
        err instanceof OpenAI.APIError ? (err.status as number | undefined) : undefined;
      if (err instanceof OpenAI.APIError && status !== undefined) {
        const headers = err.headers as Headers | undefined;
        return {
          ...failed,
          status,
          backend: headers?.get('x-proxima-backend') ?? null,
          error: { code: err.code ?? null, message: err.message },
          transport: null,
          endedAt: performance.now(),
        };
      }
      return {
        ...failed,
        status: 0,
        backend: null,
        error: null,
        transport: describe(err),
        endedAt: performance.now(),
      };
    }
  }
}

interface WireChunk {
  readonly id?: string;
  readonly choices?: ReadonlyArray<{
    readonly delta?: { readonly content?: string };
    readonly finish_reason?: string | null;
  }>;
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
  readonly error?: { readonly code?: string; readonly message?: string };
}

function errorOf(text: string): ChatOutcome['error'] {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error) return { code: body.error.code ?? null, message: body.error.message ?? '' };
  } catch {
    // not JSON: not an explicit error
  }
  return null;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return `${err.name}: ${err.message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
  }
  return String(err);
}
