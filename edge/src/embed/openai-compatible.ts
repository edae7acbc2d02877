import {
  checkCall,
  EMBED_LIMITS,
  embedNonBlank,
  type AbortSignalLike,
  type EmbedderConfig,
  type EmbedOptions,
  type Embedder,
} from '@proxima/core/embed';
import { ProximaError } from '@proxima/core/protocol';
import * as z from 'zod';
import { readAtMost } from '../read-bounded.ts';
import { asEmbedderFailure, embedderFailure } from './failure.ts';

export type OpenAiEmbedderConfig = Extract<EmbedderConfig, { kind: 'openai' }>;

export interface OpenAiEmbedderOptions {
  /** The bearer key; undefined sends no Authorization header. */
  readonly apiKey: string | undefined;
  /** How long one call may take, headers and body. */
  readonly timeoutMs: number;
}

/** OpenAI's answer, as much of it as we use; `index` is optional since some servers omit it. */
const answerSchema = z.object({
  data: z.array(
    z.object({ index: z.number().int().min(0).optional(), embedding: z.array(z.number()) }),
  ),
});

/**
 * The largest answer read for `count` vectors: a float in JSON is at most ~25 characters, so 32
 * bytes each plus 64 KiB of envelope bounds an honest answer and stops a runaway one.
 */
function answerLimit(count: number, dim: number): number {
  return count * dim * 32 + 64 * 1024;
}

/**
 * An OpenAI-compatible `/embeddings` endpoint (OpenAI, vLLM, llama-server, Ollama's /v1, …).
 * Runs wherever fetch does, so its contract test runs in Node against a real HTTP server.
 */
export class OpenAiCompatibleEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly maxBatch: number;
  readonly maxInputChars = EMBED_LIMITS.inputChars;
  private readonly config: OpenAiEmbedderConfig;
  private readonly options: OpenAiEmbedderOptions;

  constructor(config: OpenAiEmbedderConfig, options: OpenAiEmbedderOptions) {
    this.config = config;
    this.options = options;
    this.dim = config.dim;
    this.maxBatch = config.maxBatch;
    this.id = `openai:${config.baseUrl}#${config.model}/${config.dim}`;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    checkCall(this, texts, options);
    try {
      // OpenAI refuses an empty string; blank text gets the zero vector without a call.
      return await embedNonBlank(texts, this, (nonBlank) => this.post(nonBlank, options.signal));
    } catch (err) {
      throw asEmbedderFailure(this.id, err);
    }
  }

  private async post(texts: string[], signal: AbortSignalLike | undefined): Promise<number[][]> {
    const deadline = new AbortController();
    const onAbort = () => deadline.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort(new Error(`no answer within ${this.options.timeoutMs} ms`));
    }, this.options.timeoutMs);
    const { apiKey } = this.options;
    try {
      let res: Response;
      try {
        res = await fetch(`${this.config.baseUrl}/embeddings`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
          },
          body: JSON.stringify({
            model: this.config.model,
            input: texts,
            encoding_format: 'float',
            ...(this.config.dimensions ? { dimensions: this.dim } : {}),
          }),
          signal: deadline.signal,
        });
      } catch (err) {
        throw this.failed(signal, timedOut, 'connect', String(err));
      }
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        throw embedderFailure(this.id, `status ${res.status}`, body);
      }
      const read = await readAtMost(
        (res.body as ReadableStream<Uint8Array> | null) ?? new ReadableStream<Uint8Array>(),
        answerLimit(texts.length, this.dim),
      );
      if (!read.ok) {
        const detail = read.reason === 'too_large' ? 'answer too large' : 'cut short';
        throw this.failed(signal, timedOut, 'body', detail);
      }
      return vectorsOf(read.bytes, texts.length);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Why a call ended early: the caller left, our deadline passed, or the server failed. */
  private failed(
    signal: AbortSignalLike | undefined,
    timedOut: boolean,
    what: string,
    detail: string,
  ): ProximaError {
    if (signal?.aborted) return new ProximaError('client_closed', 'The client went away.');
    if (timedOut) {
      embedderFailure(this.id, what, `no answer within ${this.options.timeoutMs} ms`);
      return new ProximaError('upstream_timeout', 'The embedding service did not answer in time.');
    }
    return embedderFailure(this.id, what, detail);
  }
}

/** The vectors in input order; `index`, when the server sends it, must be a permutation. */
function vectorsOf(bytes: Uint8Array, count: number): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('the answer is not JSON');
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new Error(`unexpected answer: ${parsed.error.issues[0]?.message}`);
  const data = parsed.data.data;
  if (data.length !== count) throw new Error(`${data.length} vectors for ${count} inputs`);
  if (!data.every((d) => d.index !== undefined)) return data.map((d) => d.embedding);
  const ordered: number[][] = [];
  for (const d of data) {
    if (d.index! >= count || ordered[d.index!] !== undefined) {
      throw new Error(`index ${d.index} is out of range or repeated`);
    }
    ordered[d.index!] = d.embedding;
  }
  return ordered;
}
