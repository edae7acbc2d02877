// A job's blobs: `<id>/input.json`, the accepted body as signed, and `<id>/result.json`, what the
// run gave. Both are create-only: the first body admitted under an id and the first result stored
// for a job stay, so a race or a redelivery can never swap either.
import type { ContainerClient } from '@azure/storage-blob';
import { isConflict, isNotFound, isPreconditionFailed } from './errors.ts';
import { inputBlobName, resultBlobName } from './names.ts';

export type InputWrite =
  | { readonly stored: true }
  /** An input with another digest holds this id: a different body is being admitted under it. */
  | { readonly stored: false; readonly digest: string | null };

export interface JobBlobs {
  /** Stores the body unless one is there; the same body again (a retried POST) is fine. */
  putInput(id: string, body: Uint8Array, digest: string): Promise<InputWrite>;
  getInput(id: string): Promise<Uint8Array>;
  /** Stores the result unless one is there; false: an earlier run's result stays. */
  putResult(id: string, result: unknown): Promise<boolean>;
  /** The stored result, or null when there is none. */
  getResult(id: string): Promise<{ readonly result: unknown } | null>;
  resultExists(id: string): Promise<boolean>;
}

const JSON_TYPE = 'application/json';
/** Blob metadata keys are C# identifiers. */
const DIGEST_KEY = 'sha256';

export function containerJobBlobs(container: ContainerClient): JobBlobs {
  const blob = (name: string) => container.getBlockBlobClient(name);
  const createOnly = async (
    name: string,
    body: Uint8Array | string,
    metadata?: Record<string, string>,
  ): Promise<boolean> => {
    try {
      await blob(name).upload(
        body,
        typeof body === 'string' ? Buffer.byteLength(body) : body.length,
        {
          conditions: { ifNoneMatch: '*' },
          blobHTTPHeaders: { blobContentType: JSON_TYPE },
          ...(metadata === undefined ? {} : { metadata }),
        },
      );
      return true;
    } catch (err) {
      if (isConflict(err) || isPreconditionFailed(err)) return false;
      throw err;
    }
  };

  return {
    async putInput(id, body, digest) {
      const name = inputBlobName(id);
      if (await createOnly(name, body, { [DIGEST_KEY]: digest })) return { stored: true };
      const { metadata } = await blob(name).getProperties();
      const existing = metadata?.[DIGEST_KEY] ?? null;
      return existing === digest ? { stored: true } : { stored: false, digest: existing };
    },

    async getInput(id) {
      return new Uint8Array(await blob(inputBlobName(id)).downloadToBuffer());
    },

    putResult(id, result) {
      return createOnly(resultBlobName(id), JSON.stringify(result ?? null));
    },

    async getResult(id) {
      try {
        const bytes = await blob(resultBlobName(id)).downloadToBuffer();
        return { result: JSON.parse(bytes.toString('utf8')) as unknown };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },

    resultExists(id) {
      return blob(resultBlobName(id)).exists();
    },
  };
}
