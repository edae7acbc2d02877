/**
 * A test-only Engine that announces 'vision' and answers with what it was given: for each image of
 * the job, in order, its type, size and SHA-256, as one JSON text. The tests compare that with the
 * bytes they sent or served, so an image changed on the way fails them. Never shipped.
 */
import { createHash } from 'node:crypto';
import type {
  Engine,
  EngineInfo,
  GenerateEvent,
  GenerateRequest,
} from '@proxima/local-node/engine';

export interface ImageDigest {
  readonly mimeType: string;
  readonly bytes: number;
  readonly sha256: string;
}

export function digestOf(bytes: Uint8Array, mimeType: string): ImageDigest {
  return {
    mimeType,
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export class ImageDigestEngine implements Engine {
  readonly models: Engine['models'];

  constructor(models: readonly string[]) {
    this.models = models.map((id) => ({
      id,
      contextSize: 4096,
      description: 'image test fixture: answers with the digests of the images it got',
      capabilities: ['vision'],
    }));
  }

  info(): Promise<EngineInfo> {
    return Promise.resolve({
      engine: 'image-digest',
      gpu: 'none',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an engine streams; this one has one delta
  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    signal.throwIfAborted();
    const digests = req.messages.flatMap((m) =>
      (m.images ?? []).map((image) =>
        digestOf(Buffer.from(image.base64, 'base64'), image.mimeType),
      ),
    );
    yield { type: 'delta', text: JSON.stringify(digests) };
    yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
