import { ProximaError } from '@proxima/core/protocol';

/**
 * A remote embedder failed: its own words (which may carry its internals) go to the edge's log,
 * clipped; the client gets a classified 502.
 */
export function embedderFailure(id: string, what: string, detail: string): ProximaError {
  console.warn(
    JSON.stringify({ event: 'embedder.failed', embedder: id, what, detail: detail.slice(0, 512) }),
  );
  return new ProximaError('upstream_error', 'The embedding service failed; try again later.');
}

/** Anything a remote embedder threw that is not already classified becomes a 502. */
export function asEmbedderFailure(id: string, err: unknown): ProximaError {
  return err instanceof ProximaError ? err : embedderFailure(id, 'answer', String(err));
}
