import type { Hello } from '@proxima/core/protocol';

/** What a NodeSession remembers about its socket across hibernation (serializeAttachment). */
export interface SocketState {
  readonly nodeId: string;
  readonly session: number;
  readonly connectedAt: number;
  /** Any frame at all: a node streaming chunks is alive even if a heartbeat runs late. */
  lastSeen: number;
  /** Silent past the sentinel's threshold: its jobs were failed over; cleared by its next frame. */
  stalled?: boolean;
  hello: Hello | null;
  draining: boolean;
}

/**
 * Socket state, read from the attachment once per wake-up and then from memory: deserializing an
 * attachment on every frame costs more than the frame. Writes go to both.
 */
export class SocketStates {
  private readonly memo = new WeakMap<WebSocket, SocketState>();

  read(ws: WebSocket): SocketState | null {
    const cached = this.memo.get(ws);
    if (cached) return cached;
    const value: unknown = ws.deserializeAttachment();
    if (typeof value !== 'object' || value === null || !('nodeId' in value)) return null;
    const state = value as SocketState;
    this.memo.set(ws, state);
    return state;
  }

  write(ws: WebSocket, state: SocketState): void {
    this.memo.set(ws, state);
    ws.serializeAttachment(state);
  }
}
