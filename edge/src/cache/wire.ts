// What the Worker and a tenant's SemanticCache object send each other.
import type { CacheSource } from '@proxima/core/cache';
import type { CachedAnswer } from './replay.ts';

export interface CacheQuery {
  readonly tenant: string;
  /** SHA-256 hex of cacheScope's material. */
  readonly scope: string;
  /** The last user turn. */
  readonly prompt: string;
  /** Its embedding; null in exact mode. */
  readonly vector: Float32Array | null;
  readonly mode: 'exact' | 'semantic';
  readonly threshold: number;
}

export type CacheAnswer =
  | {
      readonly kind: 'hit' | 'semantic_hit';
      readonly similarity: number;
      readonly answer: CachedAnswer;
    }
  | { readonly kind: 'miss'; readonly refused: string | null };

export interface CachePut {
  readonly tenant: string;
  readonly scope: string;
  readonly prompt: string;
  /** Null in exact mode: the entry then never matches semantically. */
  readonly vector: Float32Array | null;
  readonly answer: CachedAnswer;
  readonly ttlSeconds: number;
  readonly tags: readonly string[];
  readonly sources: readonly CacheSource[];
}
