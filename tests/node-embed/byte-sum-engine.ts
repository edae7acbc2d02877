/**
 * A test-only Engine with an embedding model whose vectors are known exactly: for a text and `d`
 * dimensions (8 unless asked), component j is the float32 of the sum of the text's UTF-8 bytes b
 * with b mod d = j, divided by 255. Its prompt tokens are the texts' UTF-8 bytes. It also serves a
 * chat model that answers "ok". Never shipped.
 */
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineInfo,
  type GenerateEvent,
} from '@proxima/local-node/engine';

export const DEFAULT_DIM = 8;
/** More dimensions than this are refused, as a real model refuses more than it has. */
export const MAX_DIM = 64;

const encoder = new TextEncoder();

export class ByteSumEngine implements Engine {
  readonly models: Engine['models'];

  constructor(embedModel: string, chatModel: string) {
    this.models = [
      {
        id: embedModel,
        kind: 'embed',
        contextSize: 512,
        description: 'embedding test fixture: byte sums by residue',
        capabilities: ['embeddings'],
      },
      { id: chatModel, contextSize: 512, description: 'chat test fixture: answers ok' },
    ];
  }

  info(): Promise<EngineInfo> {
    return Promise.resolve({
      engine: 'byte-sum',
      gpu: 'none',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an engine streams; this one has one delta
  async *generate(_req: unknown, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    signal.throwIfAborted();
    yield { type: 'delta', text: 'ok' };
    yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } };
  }

  embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
    signal.throwIfAborted();
    const dim = req.dimensions ?? DEFAULT_DIM;
    if (dim > MAX_DIM)
      throw new InvalidRequestError(`this model gives at most ${MAX_DIM} dimensions`, 'dimensions');
    let promptTokens = 0;
    const vectors = req.inputs.map((text) => {
      const sums = new Array<number>(dim).fill(0);
      const bytes = encoder.encode(text);
      for (const b of bytes) sums[b % dim]! += b;
      promptTokens += bytes.length;
      return Float32Array.from(sums, (s) => s / 255);
    });
    return Promise.resolve({ vectors, promptTokens });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
