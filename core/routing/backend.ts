/**
 * What the router knows about one place a chat request can go: a local node (a GPU box that
 * dialled in), an OpenAI-compatible upstream, or the Azure Function App that runs burst jobs. Plain data, so it can sit in a cache, cross a
 * Durable Object RPC or be logged as JSON.
 */

import type { ModelCapability, ModelKind } from '../protocol/node/messages.ts';

export type BackendTier = 'node' | 'upstream' | 'burst';

/** Load as last reported by the backend's heartbeat (nodes) or counted by the edge (upstreams). */
export interface BackendCapacity {
  /** Requests it runs at once. An upstream's is the edge's own concurrency cap for it. */
  readonly slots: number;
  readonly inFlight: number;
  /** Requests waiting on the backend for a slot. */
  readonly queued: number;
  /** Null when unknown (upstreams, CPU nodes). */
  readonly vramFreeBytes: number | null;
}

export interface Backend {
  readonly id: string;
  readonly tier: BackendTier;
  /** Model ids it can serve. */
  readonly models: readonly string[];
  /** Model ids loaded right now: no load time, no VRAM needed. */
  readonly warmModels: readonly string[];
  /** Price per 1k tokens in a common unit; local nodes are usually 0. */
  readonly costPer1kTokens: number;
  /** Tie-break among equally priced upstreams: lower goes first. */
  readonly priority: number;
  readonly capacity: BackendCapacity;
  /** Finishing its jobs before leaving: takes nothing new. */
  readonly draining: boolean;
  /** Missed heartbeats (set by the sentinel, with hysteresis): used only when nothing else can. */
  readonly suspect: boolean;
  /**
   * Its latency or error rate has drifted from its own baseline (an active sentinel alert,
   * baseline.ts): preferred less than its peers in the same pool.
   */
  readonly degraded: boolean;
  /**
   * Continues an assistant turn it did not start (a node with the 'continue' feature), so a
   * stream cut elsewhere can resume here without repeating a token.
   */
  readonly canContinue: boolean;
  /** What the model it was listed for can do beyond plain chat; absent: nothing more. */
  readonly capabilities?: readonly ModelCapability[];
  /** What the model it was listed for is for, as its node announced it; absent: 'generate'. */
  readonly kind?: ModelKind;
  /**
   * Which run of the backend this is (a node's session number): a node that reconnected is a new
   * process, so the router forgets the old one's breaker and latency. Absent: always the same.
   */
  readonly incarnation?: number;
}

export function freeSlots(backend: Backend): number {
  return Math.max(0, backend.capacity.slots - backend.capacity.inFlight);
}

/** Work already on the backend; what a new request waits behind. */
export function outstanding(backend: Backend): number {
  return backend.capacity.inFlight + backend.capacity.queued;
}

export function isWarm(backend: Backend, model: string): boolean {
  return backend.warmModels.includes(model);
}

/**
 * Room for one more request for `model`: a free slot and, for a model it would have to load,
 * enough free VRAM when both the need and the free amount are known.
 */
export function hasRoom(backend: Backend, model: string, coldLoadBytes?: number): boolean {
  if (freeSlots(backend) <= 0) return false;
  const vram = backend.capacity.vramFreeBytes;
  if (isWarm(backend, model) || coldLoadBytes === undefined || vram === null) return true;
  return vram >= coldLoadBytes;
}
