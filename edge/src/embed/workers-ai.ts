import {
  checkCall,
  EMBED_LIMITS,
  embedNonBlank,
  type EmbedderConfig,
  type EmbedOptions,
  type Embedder,
} from '@proxima/core/embed';
import { ProximaError } from '@proxima/core/protocol';
import * as z from 'zod';
import { asEmbedderFailure } from './failure.ts';

export type WorkersAiEmbedderConfig = Extract<EmbedderConfig, { kind: 'workers-ai' }>;

/** The part of the Workers AI binding (`env.AI`) an embedder uses. */
export interface AiBinding {
  run(model: string, input: { text: string[] }): Promise<unknown>;
}

/** What `@cf/baai/bge-*` models answer (Cloudflare's documented shape): `shape` is [n, dim]. */
const answerSchema = z.object({
  shape: z.array(z.number().int()).optional(),
  data: z.array(z.array(z.number())),
});

/** Cloudflare's documented limit for the bge models' `text` array. */
export const WORKERS_AI_MAX_BATCH = 100;

/** Cloudflare Workers AI text embeddings through the Worker's AI binding. */
export class WorkersAiEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly maxBatch = WORKERS_AI_MAX_BATCH;
  readonly maxInputChars = EMBED_LIMITS.inputChars;
  private readonly model: string;
  private readonly ai: AiBinding;

  constructor(config: WorkersAiEmbedderConfig, ai: AiBinding) {
    this.model = config.model;
    this.dim = config.dim;
    this.ai = ai;
    this.id = `workers-ai:${config.model}/${config.dim}`;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    checkCall(this, texts, options);
    try {
      // The bge models refuse an empty string; blank text gets the zero vector without a call.
      return await embedNonBlank(texts, this, async (nonBlank) => {
        const answer = answerSchema.parse(await this.ai.run(this.model, { text: nonBlank }));
        // checkEmbeddings checks each row; the declared shape must agree with what came.
        if (answer.shape !== undefined && answer.shape[0] !== answer.data.length) {
          throw new Error(`shape ${JSON.stringify(answer.shape)} for ${answer.data.length} rows`);
        }
        // The binding takes no signal: a caller that left meanwhile gets nothing.
        if (options.signal?.aborted)
          throw new ProximaError('client_closed', 'The client went away.');
        return answer.data;
      });
    } catch (err) {
      throw asEmbedderFailure(this.id, err);
    }
  }
}
